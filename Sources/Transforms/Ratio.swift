import Pipeline

/// `ratio`: one metric divided by another, both read from the input points.
///
/// ```json
/// {"type": "ratio", "inputs": ["commit_count", "developer_count"], "numerator": "github.commits.total_7d",
///  "denominator": "github.developers.active_7d", "metric": "github.commits.per_developer_7d"}
/// ```
/// Options: `numerator`, `denominator` (metric names of input points), `metric`, `scale`
/// (optional factor, e.g. 100 for a percentage; default 1), `unit`, `tags`. Not emitted when
/// either point is missing or the denominator is 0. When several points share a name, the last
/// one read counts.
struct RatioTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var numerator: String
        var denominator: String
        var scale: Double
        var output: MetricOptions

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.numerator = try options.required("numerator")
            self.denominator = try options.required("denominator")
            self.scale = try options.optional("scale") ?? 1
            self.output = try MetricOptions(options)
            for key in ["numerator", "denominator"] {
                if let problem = MetricName.check(key == "numerator" ? numerator : denominator) {
                    throw options.failure(key, problem)
                }
            }
            guard scale.isFinite, scale != 0 else { throw options.failure("scale", "must be a number other than 0") }
        }
    }

    static let kind = StageKind.aggregation(
        "ratio",
        summary: "numerator point / denominator point (not emitted when either is missing or the denominator is 0)",
        options: Options.self,
        example: [
            "numerator": "github.commits.total_7d", "denominator": "github.developers.active_7d",
            "metric": "github.commits.per_developer_7d",
        ],
        reads: .points, fieldsRead: { _ in .everything },
        optionDocs: MetricOptions.docs([
            "numerator": "metric name of the numerator point (required)",
            "denominator": "metric name of the denominator point (required)",
            "scale": "factor applied to the ratio, e.g. 100 for a percentage (default 1)",
        ])
    ) { RatioTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: Options
        let context: StageContext
        var numerator: Double?
        var denominator: Double?

        mutating func add(_ batch: [Item]) {
            for case .point(let point) in batch {
                if point.metric == options.numerator { numerator = point.value }
                if point.metric == options.denominator { denominator = point.value }
            }
        }

        func finish() -> [Item] {
            guard let numerator, let denominator, denominator != 0 else { return [] }
            return [.point(options.output.point(numerator / denominator * options.scale, context: context))]
        }
    }
}

extension RatioTransform.Options: DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] { output.declarations([output.metric]) }
}
