import Expressions
import Pipeline
import Testing

@Suite struct FunctionsTests {
    static let now = Evaluate.now
    static let day = Evaluate.day

    @Test func timeParsesISO8601WithAndWithoutZoneAndFraction() throws {
        let t = Timestamp.parse("2026-11-23T05:30:00Z")!
        #expect(try Evaluate.value("time(\"2026-11-23T05:30:00Z\")") == .time(t))
        #expect(try Evaluate.value("time(\"2026-11-23T05:30:00\")") == .time(t), "no zone is UTC")
        #expect(try Evaluate.value("time(\"2026-11-23T05:30:00.250Z\")") == .time(t + 0.25))
        #expect(try Evaluate.value("time(\"2026-11-23T05:30:00.5\")") == .time(t + 0.5))
        #expect(try Evaluate.value("time(\"2026-11-23T07:30:00+02:00\")") == .time(t))
        #expect(try Evaluate.value("time(\"2026-11-23\")") == .time(t - 5.5 * 3600), "a date is midnight UTC")
    }

    @Test func timeTakesEpochSecondsAndNull() throws {
        #expect(try Evaluate.value("time(1700000000)") == .time(1_700_000_000))
        #expect(try Evaluate.value("time(missing)") == .null)
    }

    @Test func anUnparsableTimeIsAnErrorNamingTheText() {
        #expect(
            Evaluate.evaluationError("time(\"soon\")")?.description
                == #"expression: "time("soon")": column 1: time(): "soon" is not an ISO 8601 time"#)
        #expect(
            Evaluate.evaluationError("time(true)")?.description.hasSuffix(
                "time() expects an ISO 8601 string or epoch seconds, found a boolean") == true)
    }

    @Test func nowIsTheRunsClockAndTodayItsUTCMidnight() throws {
        #expect(try Evaluate.value("now") == .time(Self.now))
        #expect(try Evaluate.value("now()") == .time(Self.now))
        #expect(try Evaluate.value("today") == .time(Timestamp.parse("2026-11-23")!))
        #expect(
            try Evaluate.value("today", now: Timestamp.parse("2026-11-23T23:59:59Z")!) == .time(Timestamp.parse("2026-11-23")!))
    }

    @Test func timeArithmeticGivesSecondsAndMovesTimes() throws {
        #expect(try Evaluate.value("now - time(\"2026-11-22T12:00:00Z\")") == .number(Self.day))
        #expect(try Evaluate.value("now - 60") == .time(Self.now - 60))
        #expect(try Evaluate.value("now + 60") == .time(Self.now + 60))
        #expect(try Evaluate.value("60 + now") == .time(Self.now + 60))
        #expect(Evaluate.evaluationError("now + now") != nil)
        #expect(Evaluate.evaluationError("now * 2") != nil)
        #expect(
            Evaluate.evaluationError("now > \"2026-01-01\"")?.description.hasSuffix(
                "found a time and a string") == true)
        #expect(
            Evaluate.evaluationError("now - \"2026-01-01\"")?.description.hasSuffix(
                "cannot combine a time and a string; read times with time(field)") == true)
    }

    @Test func agoIsNowMinusASpan() throws {
        #expect(try Evaluate.value("ago(\"7d\")") == .time(Self.now - 7 * Self.day))
        #expect(try Evaluate.value("ago(90)") == .time(Self.now - 90))
        #expect(
            Evaluate.evaluationError("ago(\"a week\")")?.description.hasSuffix("ago(): \"a week\" is not a span (7d, 12h, 30m)")
                == true)
    }

    @Test func daysTurnsSecondsIntoDays() throws {
        #expect(try Evaluate.value("days(now - time(\"2026-11-20T00:00:00Z\"))") == .number(3.5))
        #expect(try Evaluate.value("days(missing)") == .null)
    }

    @Test func minAndMaxTakeArgumentsOrOneArrayAndSkipNulls() throws {
        #expect(try Evaluate.value("min(3, 1, 2)") == .number(1))
        #expect(try Evaluate.value("max(3, 1, 2)") == .number(3))
        #expect(try Evaluate.value("max(xs)", ["xs": [4, nil, 9, 2]]) == .number(9))
        #expect(try Evaluate.value("min(xs)", ["xs": [4, nil, 9, 2]]) == .number(2))
        #expect(try Evaluate.value("min(xs)", ["xs": []]) == .null)
        #expect(try Evaluate.value("max(\"b\", \"a\")") == .string("b"))
        #expect(try Evaluate.value("max(time(\"2026-01-01\"), time(\"2026-02-01\"))") == .time(Timestamp.parse("2026-02-01")!))
        #expect(try Evaluate.value("min(missing, 5)") == .number(5))
        #expect(
            Evaluate.evaluationError("max(1, \"a\")")?.description.hasSuffix(
                "max() compares numbers, strings or times of one kind, found a number and a string") == true)
    }

    @Test func countSumAndMeanOverArrays() throws {
        let record: JSON = ["xs": [1, 2, nil, 6]]
        #expect(try Evaluate.value("count(xs)", record) == .number(4))
        #expect(try Evaluate.value("sum(xs)", record) == .number(9))
        #expect(try Evaluate.value("mean(xs)", record) == .number(3))
        #expect(try Evaluate.value("sum(xs)", ["xs": []]) == .number(0))
        #expect(try Evaluate.value("mean(xs)", ["xs": []]) == .null)
        #expect(try Evaluate.value("count(missing)") == .null)
        #expect(
            Evaluate.evaluationError("sum(xs)", ["xs": [1, "2"]])?.description.hasSuffix(
                "sum() expects an array of numbers, found a string") == true)
        #expect(
            Evaluate.evaluationError("count(\"abc\")")?.description.hasSuffix("count() expects an array, found a string") == true)
    }

    static let tagged: JSON = ["tags": [["name": "bug", "n": 1], ["name": "blocked", "n": 2], ["name": "p1", "n": 3]]]

    @Test func anyAllAndFirstEvaluateThePredicateWithItBoundToEachElement() throws {
        #expect(try Evaluate.value("any(tags, it.name == \"blocked\")", Self.tagged) == .bool(true))
        #expect(try Evaluate.value("any(tags, it.name == \"x\")", Self.tagged) == .bool(false))
        #expect(try Evaluate.value("all(tags, it.n > 0)", Self.tagged) == .bool(true))
        #expect(try Evaluate.value("all(tags, it.n > 1)", Self.tagged) == .bool(false))
        #expect(try Evaluate.value("first(tags, it.n > 1).name", Self.tagged) == .string("blocked"))
        #expect(try Evaluate.value("first(tags, it.n > 1)", Self.tagged) == Value(["name": "blocked", "n": 2]))
        #expect(try Evaluate.value("first(tags, it.n > 9)", Self.tagged) == .null)
    }

    @Test func predicatesOverAMissingArrayAndEmptyOne() throws {
        #expect(try Evaluate.value("any(missing, it > 1)") == .bool(false))
        #expect(try Evaluate.value("all(missing, it > 1)") == .bool(true))
        #expect(try Evaluate.value("any(xs, it > 1)", ["xs": []]) == .bool(false))
        #expect(try Evaluate.value("all(xs, it > 1)", ["xs": []]) == .bool(true))
    }

    @Test func predicatesStopAtTheFirstDecidingElement() throws {
        // The second element would be a type error.
        #expect(try Evaluate.value("any(xs, it > 1)", ["xs": [2, "a"]]) == .bool(true))
        #expect(try Evaluate.value("all(xs, it > 1)", ["xs": [0, "a"]]) == .bool(false))
    }

    @Test func predicatesNestAndTheInnerItShadowsTheOuter() throws {
        let record: JSON = ["groups": [["members": [1, 2]], ["members": [5, 7]]]]
        #expect(try Evaluate.value("any(groups, all(it.members, it > 4))", record) == .bool(true))
        #expect(try Evaluate.value("all(groups, any(it.members, it > 4))", record) == .bool(false))
    }

    @Test func aPredicateThatIsNotABooleanIsAnError() {
        #expect(
            Evaluate.evaluationError("any(xs, it)", ["xs": [1]])?.description.hasSuffix(
                "\"any()\" takes booleans, found a number") == true)
    }

    @Test func lenCountsCharactersElementsAndKeys() throws {
        #expect(try Evaluate.value("len(\"héllo\")") == .number(5))
        #expect(try Evaluate.value("len(xs)", ["xs": [1, 2]]) == .number(2))
        #expect(try Evaluate.value("len(o)", ["o": ["a": 1]]) == .number(1))
        #expect(Evaluate.evaluationError("len(3)") != nil)
    }

    @Test func lowerUpperAndContains() throws {
        #expect(try Evaluate.value("lower(\"HotFix\")") == .string("hotfix"))
        #expect(try Evaluate.value("upper(\"HotFix\")") == .string("HOTFIX"))
        #expect(try Evaluate.value("contains(lower(\"A HotFix\"), \"hotfix\")") == .bool(true))
        #expect(try Evaluate.value("contains(\"abc\", \"x\")") == .bool(false))
        #expect(try Evaluate.value("contains(xs, 2)", ["xs": [1, 2]]) == .bool(true))
        #expect(try Evaluate.value("contains(missing, \"x\")") == .null)
        #expect(Evaluate.evaluationError("lower(1)")?.description.hasSuffix("lower() expects a string, found a number") == true)
    }

    @Test func jsonDecodesAnEncodedString() throws {
        let record: JSON = ["config": "{\"lr\": 0.1, \"tags\": [\"a\"]}"]
        #expect(try Evaluate.value("json(config)", record) == Value(["lr": 0.1, "tags": ["a"]]))
        #expect(try Evaluate.value("count(json(config).tags)", record) == .number(1))
        #expect(try Evaluate.value("(json(config)).lr * 10", record) == .number(1))
        #expect(Evaluate.evaluationError("json(\"{\")")?.description.contains("json(): invalid JSON") == true)
    }

    @Test func numberConvertsWhatItCanAndGivesNullOtherwise() throws {
        #expect(try Evaluate.value("number(\"42.5\")") == .number(42.5))
        #expect(try Evaluate.value("number(true)") == .number(1))
        #expect(try Evaluate.value("number(time(\"1970-01-02\"))") == .number(86_400))
        #expect(try Evaluate.value("number(\"abc\")") == .null)
        #expect(try Evaluate.value("number(missing)") == .null)
    }

    @Test func stringFormatsEachKind() throws {
        #expect(try Evaluate.value("string(3)") == .string("3"))
        #expect(try Evaluate.value("string(2.5)") == .string("2.5"))
        #expect(try Evaluate.value("string(false)") == .string("false"))
        #expect(try Evaluate.value("string(time(\"2026-11-23\"))") == .string("2026-11-23T00:00:00Z"))
        #expect(try Evaluate.value("string(xs)", ["xs": [1, "a"]]) == .string("[1,\"a\"]"))
        #expect(try Evaluate.value("string(missing)") == .null)
    }

    @Test func splitCutsAStringAtEachSeparator() throws {
        #expect(
            try Evaluate.value("split(path, \"/\")", ["path": "ml-team/vision"])
                == .array([.string("ml-team"), .string("vision")]))
        #expect(try Evaluate.value("split(\"a\", \",\")") == .array([.string("a")]))
        #expect(try Evaluate.value("split(\"a,,b\", \",\")") == .array([.string("a"), .string(""), .string("b")]))
        #expect(try Evaluate.value("split(missing, \"/\")") == .null)
        #expect(Evaluate.evaluationError("split(\"a\", \"\")")?.description.hasSuffix("split(): the separator is empty") == true)
    }

    @Test func atTakesAnElementFromEitherEndAndNullPastThem() throws {
        let record: JSON = ["xs": ["a", "b", "c"]]
        #expect(try Evaluate.value("at(xs, 0)", record) == .string("a"))
        #expect(try Evaluate.value("at(xs, -1)", record) == .string("c"))
        #expect(try Evaluate.value("at(xs, 3)", record) == .null)
        #expect(try Evaluate.value("at(xs, -4)", record) == .null)
        #expect(try Evaluate.value("at(split(\"entity/project\", \"/\"), -1)") == .string("project"))
        #expect(
            Evaluate.evaluationError("at(xs, 1.5)", record)?.description.hasSuffix(
                "at() expects a whole number as the index, found a number") == true)
    }

    @Test func valuesTakesTheValuesOfKeysMatchingAGlobWhoseStarStopsAtDots() throws {
        let record: JSON = [
            "m": [
                "system.gpu.0.gpu": 80, "system.gpu.1.gpu": 60, "system.gpu.process.0.gpu": 99, "system.gpu.0.memory": 5,
                "system.gpu.10.gpu": 40, "system.cpu": 20,
            ]
        ]
        #expect(try Evaluate.value("values(m, \"system.gpu.*.gpu\")", record) == .array([.number(80), .number(60), .number(40)]))
        #expect(try Evaluate.value("mean(values(m, \"system.gpu.*.gpu\"))", record) == .number(60))
        #expect(try Evaluate.value("values(m, \"system.cpu\")", record) == .array([.number(20)]))
        #expect(try Evaluate.value("len(values(m))", record) == .number(6))
        #expect(try Evaluate.value("mean(values(m, \"disk.*\"))", record) == .null, "no key matches: nothing to average")
        #expect(try Evaluate.value("values(missing, \"*\")") == .null)
        #expect(
            Evaluate.evaluationError("values(\"x\")")?.description.hasSuffix("values() expects an object, found a string") == true
        )
    }

    @Test func mapEvaluatesItsExpressionForEachElement() throws {
        let record: JSON = ["intervals": [[100, 160], [200, nil], [300, 330]]]
        #expect(try Evaluate.value("map(intervals, at(it, 1) - at(it, 0))", record) == .array([.number(60), .null, .number(30)]))
        #expect(try Evaluate.value("sum(map(intervals, (at(it, 1) ?? 250) - at(it, 0)))", record) == .number(140))
        #expect(try Evaluate.value("map(missing, it)") == .null)
        #expect(try Evaluate.value("map(xs, it)", ["xs": []]) == .array([]))
    }

    @Test func filterKeepsTheElementsForWhichThePredicateHolds() throws {
        let record: JSON = ["rows": [["p": true, "s": "A"], ["p": false, "s": "B"], ["s": "C"]]]
        #expect(try Evaluate.value("count(filter(rows, it.p != false))", record) == .number(2))
        #expect(try Evaluate.value("map(filter(rows, it.p), it.s)", record) == .array([.string("A")]))
        #expect(try Evaluate.value("at(filter(rows, it.p != false), -1).s", record) == .string("C"))
        #expect(Evaluate.evaluationError("filter(rows, it.s)", record)?.description.contains("takes booleans") == true)
    }

    @Test func sortOrdersByTheKeyStablyWithNullsLast() throws {
        let record: JSON = [
            "rows": [["t": 2, "s": "b"], ["t": nil, "s": "n"], ["t": 0, "s": "a"], ["t": 2, "s": "c"], ["t": 1, "s": "x"]]
        ]
        #expect(
            try Evaluate.value("map(sort(rows, it.t), it.s)", record)
                == .array([.string("a"), .string("x"), .string("b"), .string("c"), .string("n")]))
        #expect(try Evaluate.value("first(sort(rows, it.t), it.t > 0).s", record) == .string("x"))
        #expect(
            Evaluate.evaluationError("sort(xs, it)", ["xs": [1, "a"]])?.description.hasSuffix(
                "sort() orders numbers, strings or times of one kind, found a string and a number") == true
                || Evaluate.evaluationError("sort(xs, it)", ["xs": [1, "a"]])?.description.hasSuffix(
                    "sort() orders numbers, strings or times of one kind, found a number and a string") == true
        )
    }

    @Test func ifChoosesByItsConditionAndNullIsFalse() throws {
        #expect(try Evaluate.value("if(state == \"running\", 1, 2)", ["state": "running"]) == .number(1))
        #expect(try Evaluate.value("if(state == \"running\", 1, 2)", ["state": "finished"]) == .number(2))
        #expect(try Evaluate.value("if(missing, 1, 2)") == .number(2))
    }

    @Test func everyFunctionHasASignatureAndAUniqueName() {
        #expect(Set(Functions.all.map(\.name)).count == Functions.all.count)
        for function in Functions.all { #expect(function.signature.hasPrefix(function.name)) }
    }
}
