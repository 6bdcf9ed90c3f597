import Expressions
import Pipeline

/// `distinct_count`: how many different values a field takes over every input record; 0 when
/// there are none.
///
/// ```json
/// {"type": "distinct_count", "inputs": ["commits_in_window"], "field": "author.login|commit.author.email", "lowercase": true, "metric": "github.developers.active_7d"}
/// ```
/// Options: `field` (path; every value it reaches counts, arrays flattened, so `files.filename`
/// counts file paths; `a|b` takes `b` for records where `a` is null), `lowercase` (compare strings
/// lower-cased, default false), `metric`, `unit`, `tags`, `group_by` and `where` (as `count`'s: with
/// `group_by` every record opens its group, only those matching `where` add values). Null and missing values are skipped;
/// values of different JSON kinds are different (`1` is not `"1"`).
struct DistinctCountTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var field: FieldPath
        var lowercase: Bool
        var output: MetricOptions
        var groupBy: GroupBy?
        var `where`: Expression?

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.field = try options.required("field")
            self.lowercase = try options.optional("lowercase") ?? false
            self.output = try MetricOptions(options)
            self.groupBy = try GroupBy.read(options)
            self.where = try options.optional("where", as: Expression.self)
        }
    }

    static let kind = StageKind.aggregation(
        "distinct_count", summary: "number of distinct values of a field (0 when none)", options: Options.self,
        example: [
            "field": "author.login|commit.author.email", "lowercase": true, "metric": "github.developers.active_7d",
        ], fieldsRead: { .fields([$0.field] + ($0.groupBy?.fields ?? []) + ($0.where?.fieldsRead ?? [])) },
        optionDocs: MetricOptions.docs([
            "field": "field whose distinct values are counted; a|b takes the first present (required)",
            "lowercase": "compare values lowercased (default false)",
            GroupBy.option: GroupBy.doc,
            "where":
                "expression: only records for which it is true add values; with group_by every record still opens its group (default: every record)",
        ])
    ) { DistinctCountTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: Options
        let context: StageContext
        /// The values seen per group; the single group "" without `group_by`.
        var seen: [String: Set<JSON>] = [:]

        mutating func add(_ batch: [Item]) throws {
            for case .record(let record) in batch {
                let group = try options.groupBy?.group(of: record) ?? ""
                guard try options.where?.holds(for: record, now: context.run.now) ?? true else {
                    if seen[group] == nil { seen[group] = [] }
                    continue
                }
                for value in options.field.values(in: record) {
                    if options.lowercase, case .string(let s) = value {
                        seen[group, default: []].insert(.string(s.lowercased()))
                    } else {
                        seen[group, default: []].insert(value)
                    }
                }
                if seen[group] == nil { seen[group] = [] }
            }
        }

        func finish() -> [Item] {
            guard let groupBy = options.groupBy else {
                return [.point(options.output.point(Double(seen[""]?.count ?? 0), context: context))]
            }
            return seen.sorted { $0.key < $1.key }.map { group, values in
                .point(options.output.point(Double(values.count), context: context, extraTags: groupBy.tags(for: group)))
            }
        }
    }
}

extension DistinctCountTransform.Options: DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] { output.declarations([output.metric], groupTags: groupBy?.tagNames ?? []) }
}
