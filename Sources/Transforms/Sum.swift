import Pipeline

/// `sum`: the sum of the numbers a field reaches over every input record; 0 when there are none.
///
/// ```json
/// {"type": "sum", "inputs": ["commit_details"], "field": "stats.additions", "metric": "github.code.lines_added_7d"}
/// ```
/// Options: `field` (path; arrays flattened, so `files.additions` sums every file), `metric`,
/// `unit`, `tags`, `group_by` (one point per value of a field: `GroupBy`). Numbers and numeric strings count; null and missing values are skipped.
enum SumTransform {
    static let kind = StageKind.aggregation(
        "sum", summary: "sum of a numeric field over all records (0 when none)", options: FoldOptions.self,
        example: ["field": "stats.additions", "metric": "github.code.lines_added_7d"], fieldsRead: NumericFold.fieldsRead,
        optionDocs: MetricOptions.docs([
            "field": "numeric field summed (required)",
            GroupBy.option: GroupBy.doc,
        ])
    ) { NumericFold(.sum, $0) }
}
