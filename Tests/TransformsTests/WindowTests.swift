import Pipeline
import Testing

@Suite struct WindowTests {
    static let options: JSON = ["field": "merged_at", "last": "7d"]

    @Test func keepsBothBoundsOfTheWindow() throws {
        let input: [JSON] = [
            ["merged_at": Harness.ago(7 * Harness.day)],  // now - 7d exactly: in
            ["merged_at": Harness.ago(0)],  // now exactly: in
            ["merged_at": Harness.ago(3 * Harness.day)],
        ]
        #expect(try Harness.records("window", Self.options, input) == input)
    }

    @Test func dropsTimesJustOutsideTheWindow() throws {
        let input: [JSON] = [
            ["merged_at": Harness.ago(7 * Harness.day + 1)], ["merged_at": Harness.ago(-1)],
            ["merged_at": "2026-11-16T11:59:59.999Z"],
        ]
        #expect(try Harness.records("window", Self.options, input) == [])
    }

    @Test func dropsRecordsWithoutAUsableTime() throws {
        let input: [JSON] = [["merged_at": nil], [:], ["merged_at": "yesterday"], ["merged_at": true]]
        #expect(try Harness.records("window", Self.options, input) == [])
    }

    @Test func readsOffsetsFractionsAndEpochSeconds() throws {
        let input: [JSON] = [
            ["merged_at": "2026-11-23T13:30:00+02:00"],  // 11:30Z: in
            ["merged_at": "2026-11-23T06:59:59-05:00"],  // 11:59:59Z: in
            ["merged_at": "2026-11-23T12:00:00.5Z"],  // half a second after now: out
            ["merged_at": .number(Harness.now - 60)],
        ]
        #expect(try Harness.records("window", Self.options, input) == [input[0], input[1], input[3]])
    }

    @Test func nestedFieldPaths() throws {
        let input: [JSON] = [
            ["commit": ["committer": ["date": Harness.ago(Harness.day)]]],
            ["commit": ["committer": ["date": Harness.ago(8 * Harness.day)]]],
        ]
        let kept = try Harness.records("window", ["field": "commit.committer.date", "last": "1w"], input)
        #expect(kept == [input[0]])
    }

    @Test func badSpanIsReportedAtItsPath() throws {
        let failure = Harness.failure("window", ["field": "merged_at", "last": "7 days"])
        #expect(failure?.path == ["stages", "window", "last"])
        #expect(failure?.message == "\"7 days\" is not a time span; write e.g. 7d, 12h, 30m, 90s")
        let zero = Harness.failure("window", ["field": "merged_at", "last": "0d"])
        #expect(zero?.message == "must be longer than 0s")
        let missing = Harness.failure("window", ["field": "merged_at"])
        #expect(missing?.path == ["stages", "window", "last"])
        #expect(missing?.message == "missing required option")
    }
}
