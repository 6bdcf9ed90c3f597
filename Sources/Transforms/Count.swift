import Pipeline

/// `count`: the number of input records, as one gauge; 0 when there are none.
///
/// ```json
/// {"type": "count", "inputs": ["merged_in_window"], "metric": "github.prs.merged_7d"}
/// ```
/// Options: `metric`, `unit`, `tags` (an object of extra tag values).
struct CountStage: Aggregation {
    struct Options: Decodable, Sendable {
        var output: MetricOptions

        init(from decoder: any Decoder) throws {
            self.output = try MetricOptions(try OptionReader(decoder))
        }
    }

    static let kind = StageKind.aggregation(
        "count", summary: "number of records (0 when none)", options: Options.self,
        example: ["metric": "github.prs.merged_7d", "tags": ["team": "platform"]]
    ) { CountStage(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: Options
        let context: StageContext
        var count = 0

        mutating func add(_ batch: [Item]) {
            for item in batch where item.record != nil { count += 1 }
        }

        func finish() -> [Item] { [.point(options.output.point(Double(count), context: context))] }
    }
}
