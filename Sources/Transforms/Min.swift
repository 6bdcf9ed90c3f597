import Pipeline

/// `min`: the smallest number a field reaches; not emitted when there is none.
///
/// ```json
/// {"type": "min", "inputs": ["run_durations"], "field": "minutes", "metric": "github.ci.fastest_run_minutes"}
/// ```
/// Options: `field`, `metric`, `unit`, `tags`, `group_by` (one point per value of a field: `GroupBy`). (`percentiles` with 0 gives the same number.)
enum MinTransform {
    static let kind = StageKind.aggregation(
        "min", summary: "smallest value of a numeric field (not emitted when there is no value)",
        options: FoldOptions.self, example: ["field": "minutes", "metric": "github.ci.fastest_run_minutes"],
        fieldsRead: NumericFold.fieldsRead,
        optionDocs: MetricOptions.docs([
            "field": "numeric field (required)",
            GroupBy.option: GroupBy.doc,
        ])
    ) { NumericFold(.min, $0) }
}
