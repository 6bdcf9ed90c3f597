import Pipeline
import Testing

@Suite struct FilterTests {
    static func commit(_ message: String) -> JSON { ["commit": ["message": .string(message)]] }
    static func messages(_ records: [JSON]) -> [String] { records.compactMap { $0["commit"]?["message"]?.string } }

    @Test func containsMatchesHotfixInAnyCase() throws {
        let input = ["HOTFIX: db pool", "Apply hotfix", "Fix HotFix regression", "fix hot path", "hot-fix"].map(
            Self.commit)
        let kept = try Harness.records("filter", ["where": [["field": "commit.message", "contains": "hotfix"]]], input)
        #expect(Self.messages(kept) == ["HOTFIX: db pool", "Apply hotfix", "Fix HotFix regression"])
    }

    @Test func containsIsCaseSensitiveWhenAsked() throws {
        let input = ["HOTFIX: db pool", "Apply hotfix"].map(Self.commit)
        let options: JSON = ["where": [["field": "commit.message", "contains": "hotfix", "case_insensitive": false]]]
        #expect(Self.messages(try Harness.records("filter", options, input)) == ["Apply hotfix"])
    }

    @Test func startsWithRevertIsCaseSensitive() throws {
        let input = ["Revert \"Add cache\"", "revert typo", "Fix: Revert later", "Reverts #12", " Revert x"].map(
            Self.commit)
        let kept = try Harness.records(
            "filter", ["where": [["field": "commit.message", "starts_with": "Revert"]]], input)
        #expect(Self.messages(kept) == ["Revert \"Add cache\"", "Reverts #12"])
    }

    @Test func startsWithIgnoresCaseWithTheFlag() throws {
        let input = ["Revert \"Add cache\"", "revert typo", "Fix: Revert later"].map(Self.commit)
        let options: JSON = ["where": [["field": "commit.message", "starts_with": "REVERT", "case_insensitive": true]]]
        #expect(
            Self.messages(try Harness.records("filter", options, input)) == ["Revert \"Add cache\"", "revert typo"])
    }

    @Test func equalsNotEqualsAndNotTreatAMissingFieldDifferently() throws {
        let input: [JSON] = [
            ["id": 1, "conclusion": "failure"], ["id": 2, "conclusion": "success"], ["id": 3],
            ["id": 4, "conclusion": nil],
        ]
        func ids(_ condition: JSON) throws -> [Double] {
            try Harness.records("filter", ["where": [condition]], input).compactMap { $0["id"]?.number }
        }
        #expect(try ids(["field": "conclusion", "equals": "failure"]) == [1])
        #expect(try ids(["field": "conclusion", "not_equals": "failure"]) == [2])
        #expect(try ids(["field": "conclusion", "equals": "failure", "not": true]) == [2, 3, 4])
        #expect(try ids(["field": "conclusion", "equals": "FAILURE"]) == [])
        #expect(try ids(["field": "conclusion", "equals": "FAILURE", "case_insensitive": true]) == [1])
    }

    @Test func equalsComparesNumbersAndBooleansByValue() throws {
        let input: [JSON] = [["n": 3], ["n": 3.0], ["n": "3"], ["n": true]]
        #expect(
            try Harness.records("filter", ["where": [["field": "n", "equals": 3]]], input) == [["n": 3], ["n": 3.0]])
        #expect(try Harness.records("filter", ["where": [["field": "n", "equals": true]]], input) == [["n": true]])
    }

    @Test func inMatchesAnyListedValue() throws {
        let input: [JSON] = [["c": "failure"], ["c": "timed_out"], ["c": "success"], [:]]
        let kept = try Harness.records("filter", ["where": [["field": "c", "in": ["failure", "timed_out"]]]], input)
        #expect(kept == [["c": "failure"], ["c": "timed_out"]])
    }

    @Test func existsAndIsNullTellPresentFromNullOrMissing() throws {
        let input: [JSON] = [["id": 1, "merged_at": "2026-11-20T00:00:00Z"], ["id": 2, "merged_at": nil], ["id": 3]]
        func ids(_ condition: JSON) throws -> [Double] {
            try Harness.records("filter", ["where": [condition]], input).compactMap { $0["id"]?.number }
        }
        #expect(try ids(["field": "merged_at", "exists": true]) == [1])
        #expect(try ids(["field": "merged_at", "exists": false]) == [2, 3])
        #expect(try ids(["field": "merged_at", "is_null": true]) == [2, 3])
        #expect(try ids(["field": "merged_at", "is_null": false]) == [1])
    }

    @Test func afterAndBeforeTakeASpanBackFromNowInclusive() throws {
        let input: [JSON] = [
            ["t": Harness.ago(7 * Harness.day)], ["t": Harness.ago(7 * Harness.day + 1)], ["t": Harness.ago(0)],
            ["t": Harness.ago(-1)], ["t": "not a time"], ["t": nil],
        ]
        let after = try Harness.records("filter", ["where": [["field": "t", "after": "7d"]]], input)
        #expect(after == [input[0], input[2], input[3]])
        let window = try Harness.records(
            "filter", ["where": [["field": "t", "after": "7d"], ["field": "t", "before": "now"]]], input)
        #expect(window == [input[0], input[2]])
    }

    @Test func afterAcceptsAnISOTimeAndEpochSeconds() throws {
        let input: [JSON] = [
            ["t": "2026-01-01T00:00:00Z"], ["t": "2025-12-31T23:59:59Z"],
            ["t": .number(Timestamp.parse("2026-06-01")!)],
        ]
        let kept = try Harness.records("filter", ["where": [["field": "t", "after": "2026-01-01T00:00:00Z"]]], input)
        #expect(kept == [input[0], input[2]])
    }

    @Test func equalsFieldComparesTwoFieldsOfTheRecord() throws {
        let input: [JSON] = [
            ["id": 1, "head": ["repo": "a/b"], "base": ["repo": "a/b"]],
            ["id": 2, "head": ["repo": "fork/b"], "base": ["repo": "a/b"]],
            ["id": 3, "base": ["repo": "a/b"]],
            ["id": 4, "head": ["repo": "A/B"], "base": ["repo": "a/b"]],
        ]
        func ids(_ condition: JSON) throws -> [Double] {
            try Harness.records("filter", ["where": [condition]], input).compactMap { $0["id"]?.number }
        }
        #expect(try ids(["field": "head.repo", "equals_field": "base.repo"]) == [1])
        #expect(try ids(["field": "head.repo", "not_equals_field": "base.repo"]) == [2, 4])
        #expect(try ids(["field": "head.repo", "equals_field": "base.repo", "case_insensitive": true]) == [1, 4])
    }

    @Test func nestedPathsAndAlternativesReachIntoRecords() throws {
        let input: [JSON] = [
            ["author": ["login": "octocat"], "commit": ["author": ["email": "octo@example.com"]]],
            ["author": nil, "commit": ["author": ["email": "Dev@Example.com"]]],
        ]
        let byEmail = try Harness.records(
            "filter", ["where": [["field": "commit.author.email", "contains": "dev@"]]], input)
        #expect(byEmail == [input[1]])
        let byIdentity = try Harness.records(
            "filter",
            [
                "where": [
                    [
                        "field": "author.login|commit.author.email", "equals": "dev@example.com",
                        "case_insensitive": true,
                    ]
                ]
            ], input)
        #expect(byIdentity == [input[1]])
    }

    @Test func aConditionOnAnArrayHoldsWhenAnyElementPasses() throws {
        let input: [JSON] = [
            ["labels": [["name": "bug"], ["name": "p1"]]], ["labels": [["name": "docs"]]], ["labels": []],
        ]
        #expect(
            try Harness.records("filter", ["where": [["field": "labels.name", "equals": "bug"]]], input) == [input[0]])
        #expect(
            try Harness.records("filter", ["where": [["field": "labels.name", "not_equals": "bug"]]], input) == [
                input[1]
            ])
    }

    @Test func whereNeedsAllAndAnyNeedsOne() throws {
        let input: [JSON] = [
            ["state": "closed", "conclusion": "failure"], ["state": "closed", "conclusion": "cancelled"],
            ["state": "open", "conclusion": "failure"], ["state": "closed", "conclusion": "timed_out"],
        ]
        let options: JSON = [
            "where": [["field": "state", "equals": "closed"]],
            "any": [["field": "conclusion", "equals": "failure"], ["field": "conclusion", "equals": "timed_out"]],
        ]
        #expect(try Harness.records("filter", options, input) == [input[0], input[3]])
    }

    @Test func negateKeepsTheRecordsThatDoNotMatch() throws {
        let input = ["Revert x", "Add y", "Revert z"].map(Self.commit)
        let options: JSON = ["where": [["field": "commit.message", "starts_with": "Revert"]], "negate": true]
        #expect(Self.messages(try Harness.records("filter", options, input)) == ["Add y"])
    }

    @Test func pointsPassThroughUntouched() throws {
        let point = Item.point(MetricPoint(metric: "m", value: 1, timestamp: 0))
        let out = try Harness.batch("filter", ["where": [["field": "x", "exists": true]]], [point, .record(["y": 1])])
        #expect(out == [point])
    }

    @Test func misspeltTestSuggestsTheKnownOne() throws {
        let failure = Harness.failure("filter", ["where": [["field": "commit.message", "contans": "hotfix"]]])
        #expect(failure?.path == ["stages", "filter", "where", "[0]", "contans"])
        #expect(
            failure?.message.hasPrefix("unknown option \"contans\" (did you mean \"contains\"?); known options: ")
                == true)
    }

    @Test func misspeltStageOptionSuggestsTheKnownOne() throws {
        let failure = Harness.failure(
            "filter", ["wher": [["field": "a", "exists": true]], "any": [["field": "a", "exists": true]]])
        #expect(failure?.path == ["stages", "filter", "wher"])
        #expect(
            failure?.message == "unknown option \"wher\" (did you mean \"where\"?); known options: any, negate, where")
    }

    @Test func aConditionNeedsExactlyOneTest() throws {
        let none = Harness.failure("filter", ["where": [["field": "a"]]])
        #expect(none?.path == ["stages", "filter", "where", "[0]"])
        #expect(none?.message.hasPrefix("a condition needs a test: one of exists, is_null, equals") == true)
        let two = Harness.failure(
            "filter", ["any": [["field": "a", "exists": true], ["field": "a", "equals": 1, "contains": "x"]]])
        #expect(two?.path == ["stages", "filter", "any", "[1]"])
        #expect(
            two?.message == "a condition has one test, found \"equals\" and \"contains\"; write one condition per test")
    }

    @Test func badConditionValuesAreReportedAtTheirPath() throws {
        let badTime = Harness.failure("filter", ["where": [["field": "t", "after": "last week"]]])
        #expect(badTime?.path == ["stages", "filter", "where", "[0]", "after"])
        #expect(badTime?.message == "\"last week\" is neither a span back from now (7d, 12h, 30m) nor an ISO 8601 time")
        let list = Harness.failure("filter", ["where": [["field": "c", "equals": ["a", "b"]]]])
        #expect(list?.path == ["stages", "filter", "where", "[0]", "equals"])
        #expect(list?.message == "compares with one value; for a list of values use \"in\"")
        let fold = Harness.failure("filter", ["where": [["field": "c", "exists": true, "case_insensitive": true]]])
        #expect(fold?.path == ["stages", "filter", "where", "[0]", "case_insensitive"])
        let null = Harness.failure("filter", ["where": [["field": "c", "equals": nil]]])
        #expect(null?.message == "must not be null; to test for null write \"is_null\": true")
        let type = Harness.failure("filter", ["where": [["field": "c", "exists": "yes"]]])
        #expect(type?.path == ["stages", "filter", "where", "[0]", "exists"])
        #expect(type?.message == "expected true or false, found a string")
        let path = Harness.failure("filter", ["where": [["field": "a..b", "exists": true]]])
        #expect(path?.path == ["stages", "filter", "where", "[0]", "field"])
    }

    @Test func aFilterNeedsConditions() throws {
        let none = Harness.failure("filter", [:])
        #expect(none?.path == ["stages", "filter"])
        #expect(none?.message == "a filter needs conditions: \"where\" (all must hold) or \"any\" (one must hold)")
        let empty = Harness.failure("filter", ["where": []])
        #expect(empty?.path == ["stages", "filter", "where"])
        #expect(empty?.message == "list at least one condition")
    }
}

/// `where` written as an expression.
extension FilterTests {
    static let tasks: [JSON] = [
        ["gid": 1, "completed": false, "points": 5], ["gid": 2, "completed": true, "points": 8],
        ["gid": 3, "points": 1], ["gid": 4, "completed": false, "points": nil],
    ]
    static func gids(_ records: [JSON]) -> [Double] { records.compactMap { $0["gid"]?.number } }

    @Test func whereAsAnExpressionKeepsTheRecordsForWhichItIsTrue() throws {
        let kept = try Harness.records("filter", ["where": "not completed and points > 2"], Self.tasks)
        #expect(Self.gids(kept) == [1])
    }

    @Test func whereAsAnExpressionDropsRecordsForWhichItIsNull() throws {
        let kept = try Harness.records("filter", ["where": "completed"], Self.tasks)
        #expect(Self.gids(kept) == [2])
    }

    @Test func whereAsAnExpressionReadsTheClock() throws {
        let input: [JSON] = [["t": Harness.ago(Harness.day)], ["t": Harness.ago(10 * Harness.day)], [:]]
        let kept = try Harness.records("filter", ["where": "time(t) > ago(\"7d\")"], input)
        #expect(kept == [["t": Harness.ago(Harness.day)]])
    }

    @Test func whereExpressionAndAnyConditionsMustBothHold() throws {
        let options: JSON = ["where": "points != null", "any": [["field": "completed", "equals": false]]]
        #expect(Self.gids(try Harness.records("filter", options, Self.tasks)) == [1])
    }

    @Test func negateInvertsAWhereExpression() throws {
        let kept = try Harness.records("filter", ["where": "completed", "negate": true], Self.tasks)
        #expect(Self.gids(kept) == [1, 3, 4])
    }

    @Test func aWhereExpressionThatIsNotABooleanFailsTheStage() {
        #expect {
            try Harness.records("filter", ["where": "points"], Self.tasks)
        } throws: { error in
            "\(error)" == #"where: "points": a condition gives a boolean, this gives a number"#
        }
    }

    @Test func aWhereExpressionSyntaxErrorIsAnOptionFaultWithItsColumn() {
        let failure = Harness.failure("filter", ["where": "points >"])
        #expect(failure?.description == #"stages.filter.where: column 9: expected a value, a field or "(", found the end"#)
    }

    @Test func aWhereExpressionReadsTheFieldsItNames() throws {
        let built = try Harness.kind("filter").make(
            options: ["where": "assignee.gid == \"1\"", "any": [["field": "name", "exists": true]]], path: ["stages", "filter"])
        #expect(built.fieldsRead == .fields([FieldPath("name")!, FieldPath("assignee.gid")!]))
    }
}
