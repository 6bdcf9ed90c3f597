import Pipeline

/// `mean`: the arithmetic mean of the numbers a field reaches; not emitted when there are none
/// (METRICS.md: a metric with nothing to average over is never reported as 0).
///
/// ```json
/// {"type": "mean", "inputs": ["merge_times"], "field": "hours_to_merge", "metric": "github.prs.avg_time_to_merge_hours", "unit": "hour"}
/// ```
/// Options: `field`, `metric`, `unit`, `tags`, `group_by` (one point per value of a field: `GroupBy`).
enum MeanTransform {
    static let kind = StageKind.aggregation(
        "mean", summary: "mean of a numeric field (not emitted when there is no value)",
        options: FoldOptions.self,
        example: ["field": "hours_to_merge", "metric": "github.prs.avg_time_to_merge_hours", "unit": "hour"],
        fieldsRead: NumericFold.fieldsRead,
        optionDocs: [
            "field": "numeric field averaged (required)",
            "metric": "metric name of the point (required)",
            "unit": "unit of the point, e.g. minute (default: none)",
            "tags": "extra key:value tags of the point (default: none)",
            "group_by": "field whose values split the result: one point per value, tagged with it (default: one point)",
        ]
    ) { NumericFold(.mean, $0) }
}
