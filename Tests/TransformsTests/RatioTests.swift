import Pipeline
import Testing

@Suite struct RatioTests {
    static let options: JSON = [
        "numerator": "github.commits.total_7d", "denominator": "github.developers.active_7d",
        "metric": "github.commits.per_developer_7d",
    ]
    static func point(_ metric: String, _ value: Double) -> Item {
        .point(MetricPoint(metric: metric, value: value, timestamp: Int(Harness.now), tags: Harness.pipelineTags))
    }

    @Test func dividesTheNumeratorByTheDenominator() throws {
        let out = try Harness.aggregate(
            "ratio", Self.options,
            [
                Self.point("github.commits.total_7d", 42), Self.point("other", 1),
                Self.point("github.developers.active_7d", 8),
            ])
        #expect(out == [Self.point("github.commits.per_developer_7d", 5.25)])
    }

    @Test func notEmittedWhenTheDenominatorIsZeroOrMissing() throws {
        #expect(
            try Harness.aggregate(
                "ratio", Self.options,
                [Self.point("github.commits.total_7d", 0), Self.point("github.developers.active_7d", 0)]
            ).isEmpty)
        #expect(try Harness.aggregate("ratio", Self.options, [Self.point("github.commits.total_7d", 3)]).isEmpty)
    }

    @Test func notEmittedWhenTheNumeratorIsMissing() throws {
        #expect(try Harness.aggregate("ratio", Self.options, [Self.point("github.developers.active_7d", 3)]).isEmpty)
        #expect(try Harness.aggregate("ratio", Self.options, []).isEmpty)
    }

    @Test func scaleMultipliesTheResult() throws {
        let options: JSON = [
            "numerator": "failed", "denominator": "runs", "metric": "ci.failure_percent", "scale": 100,
            "unit": "percent",
        ]
        let out = try Harness.aggregate("ratio", options, [Self.point("runs", 8), Self.point("failed", 2)]).compactMap(
            \.point)
        #expect(out.map(\.value) == [25])
        #expect(out.first?.unit == "percent")
    }

    @Test func theLastPointOfANameCounts() throws {
        let out = try Harness.aggregate(
            "ratio", Self.options,
            [
                Self.point("github.commits.total_7d", 1), Self.point("github.developers.active_7d", 2),
                Self.point("github.commits.total_7d", 10),
            ])
        #expect(out.compactMap(\.point).map(\.value) == [5])
    }

    @Test func badOptionsAreReported() throws {
        let scale = Harness.failure("ratio", ["numerator": "a", "denominator": "b", "metric": "c", "scale": 0])
        #expect(scale?.path == ["stages", "ratio", "scale"])
        #expect(scale?.message == "must be a number other than 0")
        let name = Harness.failure("ratio", ["numerator": "a", "denominator": "b c", "metric": "c"])
        #expect(name?.path == ["stages", "ratio", "denominator"])
        let typo = Harness.failure("ratio", ["numerator": "a", "denominator": "b", "metric": "c", "scal": 2])
        #expect(
            typo?.message
                == "unknown option \"scal\" (did you mean \"scale\"?); known options: denominator, group, metric, monitor, numerator, scale, tags, unit"
        )
    }
}
