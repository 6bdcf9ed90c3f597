import Expressions
import Pipeline

/// `count`: the number of input records, as one gauge; 0 when there are none. With `group_by`,
/// one gauge per distinct value of a field (`GroupBy`).
///
/// ```json
/// {"type": "count", "inputs": ["merged_in_window"], "metric": "github.prs.merged_7d"}
/// ```
/// Options: `metric`, `unit`, `tags` (an object of extra tag values), `group_by` (a field path or
/// a list of them), `where` (an expression: only records for which it is true are counted, but
/// with `group_by` every record opens its group, so a group whose records all fail it reports 0;
/// feed the known groups' own records alongside to report 0 for a group with no record at all).
struct CountTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var output: MetricOptions
        var groupBy: GroupBy?
        var `where`: Expression?

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.output = try MetricOptions(options)
            self.groupBy = try GroupBy.read(options)
            self.where = try options.optional("where", as: Expression.self)
        }
    }

    static let kind = StageKind.aggregation(
        "count", summary: "number of records (0 when none)", options: Options.self,
        example: ["metric": "github.prs.merged_7d", "tags": ["team": "platform"]],
        fieldsRead: { options in .fields((options.groupBy?.fields ?? []) + (options.where?.fieldsRead ?? [])) },
        optionDocs: MetricOptions.docs([
            GroupBy.option: GroupBy.doc,
            "where":
                "expression: count only records for which it is true; with group_by every record still opens its group, which then reports 0 (default: every record)",
        ])
    ) { CountTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: Options
        let context: StageContext
        var count = 0
        var groups: [String: Int] = [:]

        mutating func add(_ batch: [Item]) throws {
            for case .record(let record) in batch {
                let counted = try options.where?.holds(for: record, now: context.run.now) ?? true
                if counted { count += 1 }
                if let groupBy = options.groupBy { groups[try groupBy.group(of: record), default: 0] += counted ? 1 : 0 }
            }
        }

        func finish() -> [Item] {
            guard let groupBy = options.groupBy else { return [.point(options.output.point(Double(count), context: context))] }
            return groups.sorted { $0.key < $1.key }.map { group, count in
                .point(options.output.point(Double(count), context: context, extraTags: groupBy.tags(for: group)))
            }
        }
    }
}

extension CountTransform.Options: DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] { output.declarations([output.metric], groupTags: groupBy?.tagNames ?? []) }
}
