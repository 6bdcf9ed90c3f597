import Pipeline
import Testing

@Suite struct ValueTests {
    static let options: JSON = ["field": "stats.total", "metric": "github.last_commit.lines"]

    @Test func emitsTheFieldOfTheOneRecord() throws {
        #expect(try Harness.value("value", Self.options, [["stats": ["total": 17]]]) == 17)
        #expect(try Harness.value("value", Self.options, [["stats": ["total": "2.5"]]]) == 2.5)
    }

    @Test func booleansAreOneOrZero() throws {
        #expect(try Harness.value("value", ["field": "ok", "metric": "m"], [["ok": true]]) == 1)
        #expect(try Harness.value("value", ["field": "ok", "metric": "m"], [["ok": false]]) == 0)
    }

    @Test func nothingWhenNoRecordOrNoNumber() throws {
        #expect(try Harness.points("value", Self.options, []).isEmpty)
        #expect(try Harness.points("value", Self.options, [["stats": ["total": nil]]]).isEmpty)
        #expect(try Harness.points("value", Self.options, [["stats": ["total": "many"]]]).isEmpty)
    }

    @Test func moreThanOneRecordFailsTheStage() throws {
        #expect(throws: (any Error).self) { try Harness.points("value", Self.options, [[:], [:]]) }
    }
}
