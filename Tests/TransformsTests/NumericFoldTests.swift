import Pipeline
import Testing

/// `sum`, `mean`, `min` and `max` share one fold; each behaviour is checked through each type.
@Suite struct NumericFoldTests {
    static let input: [JSON] = [
        ["stats": ["additions": 10]], ["stats": ["additions": "32"]], ["stats": ["additions": nil]], ["stats": [:]],
        ["stats": ["additions": 0.5]], ["stats": ["additions": "n/a"]], ["stats": ["additions": true]],
    ]

    static func options(_ metric: String = "m") -> JSON { ["field": "stats.additions", "metric": .string(metric)] }

    @Test func sumAddsNumbersAndNumericStrings() throws {
        #expect(try Harness.value("sum", Self.options("github.code.lines_added_7d"), Self.input) == 42.5)
    }

    @Test func sumOfNothingIsZero() throws {
        #expect(try Harness.value("sum", Self.options(), []) == 0)
        #expect(try Harness.value("sum", Self.options(), [["stats": ["additions": nil]]]) == 0)
    }

    @Test func sumFlattensArrays() throws {
        let input: [JSON] = [["files": [["additions": 3], ["additions": 4]]], ["files": [["additions": 5]]]]
        #expect(try Harness.value("sum", ["field": "files.additions", "metric": "m"], input) == 12)
    }

    @Test func meanOfTheValuesPresent() throws {
        // numpy.mean([10, 32, 0.5]) = 14.166666666666666
        #expect(try Harness.value("mean", Self.options(), Self.input) == 14.166666666666666)
        // numpy.mean([12.5, 3.25, 7.0, 41.75, 0.5, 19.0, 8.125, 3.25, 27.5, 15.0, 2.0]) = 12.715909090909092
        let values: [JSON] = [12.5, 3.25, 7.0, 41.75, 0.5, 19.0, 8.125, 3.25, 27.5, 15.0, 2.0].map {
            ["v": .number($0)]
        }
        #expect(try Harness.value("mean", ["field": "v", "metric": "m"], values) == 12.715909090909092)
    }

    @Test func meanIsAbsentWhenThereIsNothingToAverage() throws {
        #expect(try Harness.points("mean", Self.options(), []).isEmpty)
        #expect(try Harness.points("mean", Self.options(), [["stats": ["additions": nil]], [:]]).isEmpty)
    }

    @Test func minAndMaxOfTheValuesPresent() throws {
        #expect(try Harness.value("min", Self.options(), Self.input) == 0.5)
        #expect(try Harness.value("max", Self.options(), Self.input) == 32)
        let negative: [JSON] = [["v": -3], ["v": "-1e2"], ["v": 7]]
        #expect(try Harness.value("min", ["field": "v", "metric": "m"], negative) == -100)
        #expect(try Harness.value("max", ["field": "v", "metric": "m"], negative) == 7)
    }

    @Test func minAndMaxAreAbsentWhenEmpty() throws {
        #expect(try Harness.points("min", Self.options(), []).isEmpty)
        #expect(try Harness.points("max", Self.options(), [[:]]).isEmpty)
    }

    @Test func onlyPlainDecimalStringsCount() throws {
        let input: [JSON] = [["v": "0x10"], ["v": "inf"], ["v": "nan"], ["v": " 5"], ["v": ""], ["v": "2.5e1"]]
        #expect(try Harness.value("sum", ["field": "v", "metric": "m"], input) == 25)
    }

    @Test func theFieldIsRequired() throws {
        let failure = Harness.failure("mean", ["metric": "m"])
        #expect(failure?.path == ["stages", "mean", "field"])
        #expect(failure?.message == "missing required option")
    }
}
