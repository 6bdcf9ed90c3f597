import Expressions
import Pipeline
import Testing

@Suite struct EvaluatorTests {
    static let task: JSON = [
        "name": "Ship", "assignee": ["gid": "42", "name": "Ada"], "points": 3,
        "labels": [["name": "bug"], ["name": "p1"]], "a": ["b": ["c": true]], "nothing": nil,
    ]

    @Test func fieldPathsReachNestedValuesAndAMissingFieldIsNull() throws {
        #expect(try Evaluate.value("assignee.gid", Self.task) == .string("42"))
        #expect(try Evaluate.value("a.b.c", Self.task) == .bool(true))
        #expect(try Evaluate.value("a.x.c", Self.task) == .null)
        #expect(try Evaluate.value("missing", Self.task) == .null)
        #expect(try Evaluate.value("nothing", Self.task) == .null)
        #expect(try Evaluate.value("name.length", Self.task) == .null)
    }

    @Test func aPathIndexesArraysByNumberAndMapsThemByName() throws {
        #expect(try Evaluate.value("labels.1.name", Self.task) == .string("p1"))
        #expect(try Evaluate.value("labels.5.name", Self.task) == .null)
        #expect(try Evaluate.value("labels.name", Self.task) == .array([.string("bug"), .string("p1")]))
    }

    @Test func literalsEvaluateToThemselves() throws {
        #expect(try Evaluate.value("true") == .bool(true))
        #expect(try Evaluate.value("false") == .bool(false))
        #expect(try Evaluate.value("null") == .null)
        #expect(try Evaluate.value("\"x\"") == .string("x"))
        #expect(try Evaluate.value("2.5") == .number(2.5))
    }

    @Test func arithmeticOnNumbersAndStrings() throws {
        #expect(try Evaluate.value("points + 1", Self.task) == .number(4))
        #expect(try Evaluate.value("points - 5", Self.task) == .number(-2))
        #expect(try Evaluate.value("points * 2", Self.task) == .number(6))
        #expect(try Evaluate.value("points / 2", Self.task) == .number(1.5))
        #expect(try Evaluate.value("-points", Self.task) == .number(-3))
        #expect(try Evaluate.value("name + \"!\"", Self.task) == .string("Ship!"))
    }

    @Test func divisionByZeroIsNull() throws {
        #expect(try Evaluate.value("points / 0", Self.task) == .null)
        #expect(try Evaluate.value("points / 0 ?? -1", Self.task) == .number(-1))
    }

    @Test func arithmeticWithNullIsNull() throws {
        #expect(try Evaluate.value("missing + 1") == .null)
        #expect(try Evaluate.value("1 - missing") == .null)
        #expect(try Evaluate.value("-missing") == .null)
        #expect(try Evaluate.value("missing * missing") == .null)
    }

    @Test func aTypeMismatchNamesTheExpressionAndTheColumnOfTheOperator() {
        let error = Evaluate.evaluationError("\"a\" - 1")
        #expect(error?.description == #"expression: ""a" - 1": column 5: "-" cannot combine a string and a number"#)
        #expect(
            Evaluate.evaluationError("-name", Self.task)?.description.hasSuffix(
                "column 1: \"-\" negates a number, found a string") == true)
        #expect(
            Evaluate.evaluationError("true * 2")?.description.hasSuffix("\"*\" cannot combine a boolean and a number") == true)
    }

    @Test func subtractingStringTimesHintsAtTime() {
        let error = Evaluate.evaluationError("b - a", ["a": "2026-11-01", "b": "2026-11-02"])
        #expect(error?.description.hasSuffix("cannot combine a string and a string; read times with time(field)") == true)
    }

    @Test func equalityComparesAnyValuesAndNullEqualsOnlyNull() throws {
        #expect(try Evaluate.value("points == 3", Self.task) == .bool(true))
        #expect(try Evaluate.value("points != 3", Self.task) == .bool(false))
        #expect(try Evaluate.value("points == \"3\"", Self.task) == .bool(false))
        #expect(try Evaluate.value("missing == null", Self.task) == .bool(true))
        #expect(try Evaluate.value("missing != null", Self.task) == .bool(false))
        #expect(try Evaluate.value("name == null", Self.task) == .bool(false))
        #expect(try Evaluate.value("name != null", Self.task) == .bool(true))
        #expect(try Evaluate.value("assignee == assignee", Self.task) == .bool(true))
    }

    @Test func orderingComparesNumbersStringsAndTimes() throws {
        #expect(try Evaluate.value("points < 4 and points <= 3 and points > 2 and points >= 3", Self.task) == .bool(true))
        #expect(try Evaluate.value("points < 3 or points > 3", Self.task) == .bool(false))
        #expect(try Evaluate.value("\"apple\" < \"banana\"") == .bool(true))
        #expect(try Evaluate.value("time(\"2026-01-01\") < time(\"2026-01-02\")") == .bool(true))
        #expect(try Evaluate.value("time(\"2026-01-02\") <= time(\"2026-01-01\")") == .bool(false))
    }

    @Test func orderingWithNullIsFalseBothWays() throws {
        #expect(try Evaluate.value("missing < 1") == .bool(false))
        #expect(try Evaluate.value("missing >= 1") == .bool(false))
        #expect(try Evaluate.value("1 > null") == .bool(false))
    }

    @Test func orderingMixedKindsIsAnError() {
        #expect(
            Evaluate.evaluationError("name < 3", Self.task)?.description.hasSuffix(
                "column 6: \"<\" compares two numbers, strings or times, found a string and a number") == true)
    }

    @Test func andOrShortCircuit() throws {
        // The right side would be a type error if it were evaluated.
        #expect(try Evaluate.value("false and 1 - \"x\" == 0") == .bool(false))
        #expect(try Evaluate.value("true or 1 - \"x\" == 0") == .bool(true))
        #expect(Evaluate.evaluationError("true and 1 - \"x\" == 0") != nil)
    }

    @Test func nullCountsAsFalseInBooleanOperators() throws {
        #expect(try Evaluate.value("not missing") == .bool(true))
        #expect(try Evaluate.value("missing or true") == .bool(true))
        #expect(try Evaluate.value("true and missing") == .bool(false))
    }

    @Test func booleanOperatorsRejectOtherKinds() {
        #expect(
            Evaluate.evaluationError("not name", Self.task)?.description.hasSuffix("\"not\" takes booleans, found a string")
                == true)
        #expect(Evaluate.evaluationError("points and true", Self.task) != nil)
    }

    @Test func coalescingTakesTheFirstNonNull() throws {
        #expect(try Evaluate.value("missing ?? name", Self.task) == .string("Ship"))
        #expect(try Evaluate.value("name ?? missing", Self.task) == .string("Ship"))
        #expect(try Evaluate.value("a.b.c ?? false", Self.task) == .bool(true))
        #expect(try Evaluate.value("missing ?? nothing") == .null)
    }

    @Test func coalescingDoesNotEvaluateItsRightSideWhenTheLeftIsPresent() throws {
        #expect(try Evaluate.value("points ?? (1 - \"x\")", Self.task) == .number(3))
    }

    @Test func aResultBeyondTheRangeOfADoubleIsAnError() {
        #expect(
            Evaluate.evaluationError("1e308 * 10")?.description.hasSuffix(
                "column 7: \"*\" gives a number beyond the range of a double") == true)
        #expect(Evaluate.evaluationError("n + 1", ["n": .number(.infinity)]) != nil)
    }
}
