import Pipeline

/// `max`: the largest number a field reaches; not emitted when there is none.
///
/// ```json
/// {"type": "max", "inputs": ["run_durations"], "field": "minutes", "metric": "github.ci.slowest_run_minutes"}
/// ```
/// Options: `field`, `metric`, `unit`, `tags`, `group_by` (one point per value of a field: `GroupBy`). (`percentiles` with 100 gives the same number.)
enum MaxTransform {
    static let kind = StageKind.aggregation(
        "max", summary: "largest value of a numeric field (not emitted when there is no value)",
        options: FoldOptions.self, example: ["field": "minutes", "metric": "github.ci.slowest_run_minutes"],
        fieldsRead: NumericFold.fieldsRead,
        optionDocs: [
            "field": "numeric field (required)",
            "metric": "metric name of the point (required)",
            "unit": "unit of the point, e.g. minute (default: none)",
            "tags": "extra key:value tags of the point (default: none)",
            "group_by": "field whose values split the result: one point per value, tagged with it (default: one point)",
        ]
    ) { NumericFold(.max, $0) }
}
