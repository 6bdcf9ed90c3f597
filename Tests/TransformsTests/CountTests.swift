import Pipeline
import Testing

@Suite struct CountTests {
    @Test func countsRecordsAcrossBatches() throws {
        let points = try Harness.points(
            "count", ["metric": "github.prs.merged_7d"], Array(repeating: ["x": 1], count: 5))
        #expect(
            points == [
                MetricPoint(
                    metric: "github.prs.merged_7d", value: 5, timestamp: Int(Harness.now), tags: Harness.pipelineTags)
            ])
    }

    @Test func emptyInputCountsZero() throws {
        #expect(try Harness.value("count", ["metric": "github.commits.hotfix"], []) == 0)
    }

    @Test func pointsInTheInputAreNotCounted() throws {
        let items: [Item] = [.record([:]), .point(MetricPoint(metric: "m", value: 1, timestamp: 0)), .record([:])]
        let out = try Harness.aggregate("count", ["metric": "n"], items)
        #expect(out.compactMap(\.point).map(\.value) == [2])
    }

    @Test func unitAndTagsAreAddedNormalised() throws {
        let options: JSON = [
            "metric": "github.ci.workflow_runs_7d", "unit": "run", "tags": ["Team": "Platform Ops", "empty": ""],
        ]
        let point = try Harness.points("count", options, [[:]]).first
        #expect(point?.unit == "run")
        #expect(point?.tags == Harness.pipelineTags + ["team:platform_ops"])
        #expect(point?.kind == .gauge)
    }

    @Test func metricNamesFollowDatadogRules() throws {
        let cases: [(String, String)] = [
            ("1prs", "metric name \"1prs\" does not start with a letter: Datadog would store it under another name; use \"prs\""),
            (
                "github.prs open",
                "metric name \"github.prs open\" contains space (only ASCII letters, digits, _ and . are allowed): Datadog would store it under another name; use \"github.prs_open\""
            ),
            (
                "github.prs-open",
                "metric name \"github.prs-open\" contains \"-\" (only ASCII letters, digits, _ and . are allowed): Datadog would store it under another name; use \"github.prs_open\""
            ),
            (
                "github.prés",
                "metric name \"github.prés\" contains \"é\" (only ASCII letters, digits, _ and . are allowed): Datadog would store it under another name; use \"github.pr_s\""
            ),
            ("", "the metric name is empty"),
        ]
        for (name, message) in cases {
            let failure = Harness.failure("count", ["metric": .string(name)])
            #expect(failure?.path == ["stages", "count", "metric"])
            #expect(failure?.message == message)
        }
        let long = String(repeating: "a", count: 201)
        #expect(
            Harness.failure("count", ["metric": .string(long)])?.message.hasSuffix(
                "is 201 characters long (at most 200): Datadog would store it under another name; use \"\(String(repeating: "a", count: 200))\""
            ) == true)
        #expect(Harness.failure("count", ["metric": .string(String(repeating: "a", count: 200))]) == nil)
        #expect(Harness.failure("count", ["metric": "github.ci.workflow_duration_minutes.p99_9"]) == nil)
    }

    @Test func unknownOptionSuggestsTheCloseOne() throws {
        let failure = Harness.failure("count", ["metric": "m", "untis": "run"])
        #expect(failure?.path == ["stages", "count", "untis"])
        #expect(
            failure?.message
                == "unknown option \"untis\" (did you mean \"unit\"?); known options: group, group_by, metric, monitor, tags, unit, where"
        )
    }

    @Test func missingMetricIsReported() throws {
        let failure = Harness.failure("count", [:])
        #expect(failure?.path == ["stages", "count", "metric"])
        #expect(failure?.message == "missing required option")
    }

    @Test func tagValuesMustBeStrings() throws {
        let failure = Harness.failure("count", ["metric": "m", "tags": ["team": 3]])
        #expect(failure?.path == ["stages", "count", "tags", "team"])
        #expect(failure?.message == "expected a string, found a number")
        let notObject = Harness.failure("count", ["metric": "m", "tags": ["team:x"]])
        #expect(notObject?.path == ["stages", "count", "tags"])
    }
}
