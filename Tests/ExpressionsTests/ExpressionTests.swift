import Expressions
import Pipeline
import Testing

@Suite struct ExpressionTests {
    static let overdue =
        "not completed and (due_at != null and time(due_at) < now or due_at == null and due_on != null and time(due_on) < today)"

    /// Asana's "overdue": incomplete, and past its due time, or (with only a due date) due before today.
    @Test func theAsanaOverdueDefinition() throws {
        let expression = try Expression(Self.overdue)
        func overdue(_ task: JSON) throws -> Bool { try expression.holds(for: task, now: Evaluate.now) }
        #expect(try overdue(["completed": false, "due_at": "2026-11-23T11:00:00.000Z", "due_on": "2026-11-23"]))
        #expect(try !overdue(["completed": false, "due_at": "2026-11-23T13:00:00.000Z", "due_on": "2026-11-23"]))
        #expect(try !overdue(["completed": true, "due_at": "2026-11-20T00:00:00.000Z"]))
        #expect(try overdue(["completed": false, "due_at": nil, "due_on": "2026-11-22"]))
        #expect(try !overdue(["completed": false, "due_at": nil, "due_on": "2026-11-23"]), "due today is not overdue yet")
        #expect(try !overdue(["completed": false, "due_at": nil, "due_on": nil]))
        #expect(try overdue(["due_on": "2026-11-01"]), "a missing completed counts as not completed")
    }

    /// W&B's run runtime: the field, else the summary's, else the span between heartbeat and creation.
    @Test func theWandBRuntimeFallback() throws {
        let runtime = try Expression("runtime ?? summary._wandb.runtime ?? (time(heartbeatAt) - time(createdAt))")
        let times: JSON = ["heartbeatAt": "2026-11-23T10:00:00", "createdAt": "2026-11-23T09:00:00"]
        #expect(try runtime.evaluate(["runtime": 12, "summary": ["_wandb": ["runtime": 34]]], now: 0) == .number(12))
        #expect(try runtime.evaluate(["runtime": nil, "summary": ["_wandb": ["runtime": 34]]], now: 0) == .number(34))
        #expect(try runtime.evaluate(times, now: 0) == .number(3600))
        #expect(try runtime.evaluate([:], now: 0) == .null)
    }

    @Test func fieldsReadAreTheRecordPathsOnceEachWithoutItOrClock() throws {
        #expect(
            try Expression(Self.overdue).fieldsRead.map(\.description) == ["completed", "due_at", "due_on"])
        #expect(
            try Expression("any(tags, it.name == \"x\") and assignee.gid != null and now > today").fieldsRead.map(\.description)
                == ["tags", "assignee.gid"])
    }

    @Test func holdsIsTrueOnlyForTrue() throws {
        #expect(try Expression("x").holds(for: ["x": true], now: 0))
        #expect(try !Expression("x").holds(for: ["x": false], now: 0))
        #expect(try !Expression("x").holds(for: [:], now: 0))
        #expect(throws: ExpressionError.self) { try Expression("x").holds(for: ["x": 1], now: 0) }
        do {
            _ = try Expression("x", location: "where").holds(for: ["x": "yes"], now: 0)
        } catch {
            #expect(error.description == "where: \"x\": a condition gives a boolean, this gives a string")
        }
    }

    @Test func decodedFromOptionsAParseErrorIsAnOptionFaultAtItsPath() throws {
        #expect(throws: OptionsDecoder.Failure.self) {
            _ = try OptionsDecoder.decode(Expression.self, from: "(1 + 2", path: ["stages", "x"])
        }
        do {
            _ = try OptionsDecoder.decode(Expression.self, from: "(1 + 2", path: ["stages", "x"])
        } catch {
            #expect("\(error)" == "stages.x: column 7: expected \")\", found the end")
        }
    }

    @Test func aTimeBecomesAnISO8601StringInJSON() {
        #expect(Value.time(Timestamp.parse("2026-11-23T05:30:00Z")!).json == "2026-11-23T05:30:00Z")
        #expect(Value(["a": [1, nil]]).json == ["a": [1, nil]])
    }
}
