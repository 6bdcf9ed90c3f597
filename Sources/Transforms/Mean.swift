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
        optionDocs: MetricOptions.docs([
            "field": "numeric field averaged (required)",
            GroupBy.option: GroupBy.doc,
        ])
    ) { NumericFold(.mean, $0) }
}
