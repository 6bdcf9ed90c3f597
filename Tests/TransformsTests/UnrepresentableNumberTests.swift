import Pipeline
import Testing

/// A JSON number beyond a double's range (`1e999`) parses as infinity. Every stage that reads a
/// field as a number or a time fails on one, naming the field: skipping it would compute the
/// metric over part of the data, and a wrong number is worse than a missing one.
@Suite struct UnrepresentableNumberTests {
    /// A record as an API would send it, parsed by the engine's parser.
    static func record(_ text: String) throws -> JSON { try JSONParser.parse(text) }

    /// The stage's error for `records`, or nil when it accepted them.
    static func failure(_ run: () throws -> Void) -> String? {
        do {
            try run()
            return nil
        } catch {
            return String(describing: error)
        }
    }

    static let expected = "is a number beyond the range of a double"

    static let fieldOptions: JSON = ["field": "stats.additions", "metric": "m"]

    @Test(
        "sum, mean, min, max, percentiles and value fail on 1e999 in their field, naming it",
        arguments: [
            ("sum", fieldOptions), ("mean", fieldOptions), ("min", fieldOptions), ("max", fieldOptions), ("value", fieldOptions),
            ("percentiles", ["field": "stats.additions", "metric": "m", "percentiles": [50]] as JSON),
        ])
    func numericStagesFail(type: String, options: JSON) throws {
        let records = try [Self.record(#"{"stats": {"additions": 1e999}}"#)]
        let message = Self.failure { _ = try Harness.points(type, options, records) }
        #expect(message?.contains("field stats.additions \(Self.expected)") == true, "\(message ?? "accepted")")
    }

    @Test("-1e999 and a numeric string that overflows fail the same way")
    func negativeAndStringOverflow() throws {
        for text in [#"{"v": -1e999}"#, #"{"v": "1e999"}"#] {
            let message = Self.failure { _ = try Harness.points("sum", ["field": "v", "metric": "m"], [try Self.record(text)]) }
            #expect(
                message?.contains("field v") == true && message?.contains(Self.expected) == true,
                "\(text): \(message ?? "accepted")")
        }
    }

    @Test("count by group, latest, window, duration and filter fail on 1e999 in the field they read")
    func otherReadersFail() throws {
        let record = try Self.record(#"{"t": 1e999, "n": 1e999}"#)
        let cases: [(String, () throws -> Void)] = [
            ("count group_by", { _ = try Harness.points("count", ["metric": "m", "group_by": "n"], [record]) }),
            ("latest", { _ = try Harness.aggregate("latest", ["by": "n"], [.record(record)]) }),
            ("window", { _ = try Harness.records("window", ["field": "t", "last": "7d"], [record]) }),
            (
                "duration",
                { _ = try Harness.records("duration", ["from": "t", "to": "t", "as": "d", "unit": "hours"], [record]) }
            ),
            ("filter", { _ = try Harness.records("filter", ["where": [["field": "t", "after": "7d"]]], [record]) }),
        ]
        for (name, run) in cases {
            let message = Self.failure(run)
            #expect(message?.contains(Self.expected) == true, "\(name): \(message ?? "accepted")")
        }
    }

    @Test("large but representable numbers, and tiny ones that round to 0, are read as numbers")
    func representableNumbersStillRead() throws {
        let records = try [Self.record(#"{"v": 1e308}"#), Self.record(#"{"v": 1e-999}"#)]
        #expect(try Harness.value("sum", ["field": "v", "metric": "m"], records) == 1e308)
    }
}
