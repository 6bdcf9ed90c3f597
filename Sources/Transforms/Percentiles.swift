import Pipeline

/// `percentiles`: percentiles of the numbers a field reaches, one gauge each; nothing when there
/// are no numbers.
///
/// ```json
/// {"type": "percentiles", "inputs": ["run_durations"], "field": "minutes",
///  "percentiles": [0, 50, 75, 90, 95, 100], "metric": "github.ci.workflow_duration_minutes", "unit": "minute"}
/// ```
/// emits `github.ci.workflow_duration_minutes.min`, `.p50`, `.p75`, `.p90`, `.p95`, `.max`.
///
/// Options: `field`, `percentiles` (numbers from 0 to 100, each once), `metric` (the prefix),
/// `names` (optional: suffixes replacing the default ones, keyed by percentile, e.g.
/// `{"50": "median"}` → `<metric>.median`), `unit`, `tags`, `group_by` (`GroupBy`; a group
/// without numbers emits nothing). Default suffixes: `min` for 0, `max`
/// for 100, else `p` and the number with `_` for the point (`p99.9` → `p99_9`).
///
/// Percentile p of n sorted values x[0…n-1] interpolates linearly at position (n-1)·p/100, as
/// numpy.percentile does by default (METRICS.md).
struct PercentilesTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var field: FieldPath
        /// The percentiles and the full metric name of each, in the order given.
        var outputs: [(percentile: Double, metric: String)]
        var output: MetricOptions
        var groupBy: GroupBy?

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.field = try options.required("field")
            self.groupBy = try GroupBy.read(options)
            let percentiles: [Double] = try options.required("percentiles")
            let names: [String: String]? = try options.optional("names")
            self.output = try MetricOptions(options)

            guard !percentiles.isEmpty else {
                throw options.failure("percentiles", "list at least one percentile, e.g. [50, 90, 99]")
            }
            var outputs: [(Double, String)] = []
            for (i, p) in percentiles.enumerated() {
                guard (0...100).contains(p) else {
                    throw options.failure(
                        ["percentiles", "[\(i)]"],
                        "\(JSON.formatNumber(p)) is not a percentile: use a number from 0 to 100")
                }
                guard !outputs.contains(where: { $0.0 == p }) else {
                    throw options.failure(["percentiles", "[\(i)]"], "\(JSON.formatNumber(p)) is listed twice")
                }
                outputs.append((p, "\(output.metric).\(Self.defaultSuffix(p))"))
            }
            for (key, suffix) in (names ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let p = Double(key), let index = outputs.firstIndex(where: { $0.0 == p }) else {
                    throw options.failure(
                        ["names", key], "\"\(key)\" is not one of the percentiles listed in \"percentiles\"")
                }
                let name = "\(output.metric).\(suffix)"
                if let problem = MetricName.check(name) { throw options.failure(["names", key], problem) }
                outputs[index].1 = name
            }
            for (i, entry) in outputs.enumerated() where outputs[..<i].contains(where: { $0.1 == entry.1 }) {
                throw options.failure("names", "two percentiles would both be named \"\(entry.1)\"")
            }
            self.outputs = outputs
        }

        /// `min`, `max`, `p50`, `p99_9`.
        static func defaultSuffix(_ p: Double) -> String {
            switch p {
            case 0: "min"
            case 100: "max"
            default: "p" + JSON.formatNumber(p).replacingAll(".", with: "_")
            }
        }
    }

    static let kind = StageKind.aggregation(
        "percentiles", summary: "percentiles of a numeric field, numpy's linear method (not emitted when no value)",
        options: Options.self,
        example: [
            "field": "minutes", "percentiles": [0, 50, 75, 90, 95, 100],
            "metric": "github.ci.workflow_duration_minutes", "unit": "minute",
        ], fieldsRead: { .fields([$0.field] + ($0.groupBy?.fields ?? [])) },
        optionDocs: MetricOptions.docs([
            "field": "numeric field (required)",
            "percentiles": "percentiles from 0 to 100, each once (required)",
            "names": "metric suffixes by percentile, e.g. {\"50\": \"median\"} (default min, pNN, max)",
            "metric": "metric name prefix (required)",
            "group_by":
                "field (or list of fields) whose values split the result: points per value, tagged with it; a group without numbers emits nothing (default: one set)",
        ])
    ) { PercentilesTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: Options
        let context: StageContext
        /// The numbers per group; the single group "" without `group_by`.
        var values: [String: [Double]] = [:]

        mutating func add(_ batch: [Item]) throws {
            for case .record(let record) in batch {
                let numbers = try Values.numbers(options.field, in: record)
                guard !numbers.isEmpty else { continue }
                values[try options.groupBy?.group(of: record) ?? "", default: []] += numbers
            }
        }

        func finish() -> [Item] {
            values.sorted { $0.key < $1.key }.flatMap { group, numbers in
                let sorted = numbers.sorted()
                let tags = options.groupBy?.tags(for: group) ?? []
                return options.outputs.map {
                    Item.point(
                        options.output.point(
                            Percentile.linear(sorted, $0.percentile), context: context, name: $0.metric, extraTags: tags))
                }
            }
        }
    }
}

/// numpy.percentile's default ("linear") method, with its arithmetic, so results agree to the bit.
enum Percentile {
    /// Percentile `p` (0…100) of `sorted`, which must be sorted ascending and not empty.
    static func linear(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty, "percentile of no values")
        let position = (p / 100) * Double(sorted.count - 1)
        let below = position.rounded(.down)
        let lower = Int(below)
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let t = position - below
        let a = sorted[lower]
        let b = sorted[upper]
        // numpy's _lerp: a + (b-a)·t, computed from b's side for t ≥ 0.5 (exact at t = 1).
        let difference = b - a
        return t >= 0.5 ? b - difference * (1 - t) : a + difference * t
    }
}

extension String {
    /// `self` with every `target` character replaced; no Foundation needed.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}

extension PercentilesTransform.Options: DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] {
        zip(outputs, output.declarations(outputs.map(\.metric), groupTags: groupBy?.tagNames ?? [])).map { entry, declaration in
            var declaration = declaration
            declaration.statistic =
                entry.percentile == 0 ? "min" : entry.percentile == 100 ? "max" : "p" + JSON.formatNumber(entry.percentile)
            return declaration
        }
    }
}
