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
        optionDocs: MetricOptions.docs([
            "field": "numeric field (required)",
            GroupBy.option: GroupBy.doc,
        ])
    ) { NumericFold(.max, $0) }
}
