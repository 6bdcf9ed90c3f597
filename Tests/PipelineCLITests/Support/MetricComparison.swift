import Pipeline
import Testing

/// The points a collector printed (`--format json`), keyed `metric [sorted tags]`, and their
/// comparison with the values its fake computes on its own.
enum MetricComparison {
    static func key(_ metric: String, _ tags: [String]) -> String { "\(metric) \(tags.sorted())" }

    /// The points of `result` whose metric starts with `prefix`, keyed with the tags `keep` accepts.
    static func points(
        _ result: CLIRunner.Result, prefix: String, keep: (String) -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for point in try result.points() {
            guard let metric = point["metric"]?.string, metric.hasPrefix(prefix), let value = point["value"]?.number else {
                continue
            }
            let key = key(metric, (point["tags"]?.array?.compactMap(\.string) ?? []).filter(keep))
            #expect(out[key] == nil, "\(key) emitted twice", sourceLocation: sourceLocation)
            out[key] = value
        }
        return out
    }

    /// The same keys; counts and percentiles equal, sums and means to the last bits their order of
    /// addition moves.
    static func expectSame(
        _ actual: [String: Double], _ expected: [String: Double], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let missing = Set(expected.keys).subtracting(actual.keys).sorted()
        let extra = Set(actual.keys).subtracting(expected.keys).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "missing \(missing), extra \(extra)", sourceLocation: sourceLocation)
        for (key, value) in expected {
            guard let got = actual[key] else { continue }
            #expect(
                abs(got - value) <= 1e-9 * max(1, abs(value)), "\(key): got \(got), expected \(value)",
                sourceLocation: sourceLocation)
        }
    }
}
