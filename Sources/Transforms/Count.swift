import Pipeline

/// `count`: the number of input records, as one gauge; 0 when there are none. With `group_by`,
/// one gauge per distinct value of a field (`GroupBy`).
///
/// ```json
/// {"type": "count", "inputs": ["merged_in_window"], "metric": "github.prs.merged_7d"}
/// ```
/// Options: `metric`, `unit`, `tags` (an object of extra tag values), `group_by` (a field path).
struct CountTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var output: MetricOptions
        var groupBy: GroupBy?

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.output = try MetricOptions(options)
            self.groupBy = try GroupBy.read(options)
        }
    }

    static let kind = StageKind.aggregation(
        "count", summary: "number of records (0 when none)", options: Options.self,
        example: ["metric": "github.prs.merged_7d", "tags": ["team": "platform"]],
        fieldsRead: { options in .fields(options.groupBy.map { [$0.field] } ?? []) },
        optionDocs: [
            "metric": "metric name of the point (required)",
            "unit": "unit of the point, e.g. minute (default: none)",
            "tags": "extra key:value tags of the point (default: none)",
            "group_by": "field whose values split the result: one point per value, tagged with it (default: one point)",
        ]
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
                count += 1
                if let groupBy = options.groupBy { groups[try groupBy.group(of: record), default: 0] += 1 }
            }
        }

        func finish() -> [Item] {
            guard let groupBy = options.groupBy else { return [.point(options.output.point(Double(count), context: context))] }
            return groups.sorted { $0.key < $1.key }.map { group, count in
                .point(options.output.point(Double(count), context: context, extraTags: [groupBy.tag(for: group)]))
            }
        }
    }
}
