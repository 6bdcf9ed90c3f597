import Pipeline
import Testing

@Suite struct DurationTests {
    static let options: JSON = ["from": "run_started_at", "to": "updated_at", "as": "minutes", "unit": "minutes"]

    @Test func addsTheDurationInTheUnitAsked() throws {
        let run: JSON = ["id": 1, "run_started_at": "2026-11-23T10:00:00Z", "updated_at": "2026-11-23T10:12:30Z"]
        let out = try Harness.records("duration", Self.options, [run])
        #expect(
            out == [
                [
                    "id": 1, "run_started_at": "2026-11-23T10:00:00Z", "updated_at": "2026-11-23T10:12:30Z",
                    "minutes": 12.5,
                ]
            ])
    }

    @Test func everyUnit() throws {
        let record: JSON = ["a": "2026-11-20T00:00:00Z", "b": "2026-11-23T12:00:00Z"]
        for (unit, expected) in [("seconds", 302_400.0), ("minutes", 5040), ("hours", 84), ("days", 3.5)] {
            let out = try Harness.records(
                "duration", ["from": "a", "to": "b", "as": "d", "unit": .string(unit)], [record])
            #expect(out.first?["d"] == .number(expected), "\(unit)")
        }
        let defaultUnit = try Harness.records("duration", ["from": "a", "to": "b", "as": "d"], [record])
        #expect(defaultUnit.first?["d"] == 302_400)
    }

    @Test func mergeTimeFromCreatedAndMergedHours() throws {
        let pull: JSON = ["created_at": "2026-11-22T00:00:00Z", "merged_at": "2026-11-22T09:45:00Z"]
        let out = try Harness.records(
            "duration", ["from": "created_at", "to": "merged_at", "as": "hours", "unit": "hours"], [pull])
        #expect(out.first?["hours"] == 9.75)
    }

    @Test func incompleteRecordsPassWithoutTheField() throws {
        let input: [JSON] = [
            ["run_started_at": "2026-11-23T10:00:00Z", "updated_at": nil], ["updated_at": "2026-11-23T10:00:00Z"],
        ]
        #expect(try Harness.records("duration", Self.options, input) == input)
    }

    @Test func incompleteRecordsAreDroppedWhenAsked() throws {
        var options = Self.options
        if case .object(var object) = options {
            object["drop_incomplete"] = true
            options = .object(object)
        }
        let complete: JSON = ["run_started_at": "2026-11-23T10:00:00Z", "updated_at": "2026-11-23T10:01:00Z"]
        let input: [JSON] = [
            ["run_started_at": "2026-11-23T10:00:00Z"], complete, ["run_started_at": "x", "updated_at": "y"],
        ]
        let out = try Harness.records("duration", options, input)
        #expect(out.count == 1)
        #expect(out.first?["minutes"] == 1)
    }

    @Test func badUnitSuggestsTheClosestOne() throws {
        let failure = Harness.failure("duration", ["from": "a", "to": "b", "as": "d", "unit": "minute"])
        #expect(failure?.path == ["stages", "duration", "unit"])
        #expect(
            failure?.message
                == "unknown unit \"minute\" (did you mean \"minutes\"?); use one of seconds, minutes, hours, days")
    }

    @Test func asIsATopLevelName() throws {
        let failure = Harness.failure("duration", ["from": "a", "to": "b", "as": "timing.minutes"])
        #expect(failure?.path == ["stages", "duration", "as"])
        #expect(failure?.message.hasPrefix("\"timing.minutes\" is not a field name") == true)
    }
}
