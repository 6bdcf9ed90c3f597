import Pipeline
import Testing

@Suite struct PercentileTests {
    static func records(_ values: [Double]) -> [JSON] { values.map { ["minutes": .number($0)] } }
    static func options(_ percentiles: [Double], metric: String = "github.ci.workflow_duration_minutes") -> JSON {
        ["field": "minutes", "percentiles": .array(percentiles.map(JSON.number)), "metric": .string(metric)]
    }
    static func emitted(_ options: JSON, _ values: [Double]) throws -> [String: Double] {
        Dictionary(
            uniqueKeysWithValues: try Harness.points("percentiles", options, records(values)).map {
                ($0.metric, $0.value)
            })
    }

    @Test func matchesNumpyOnTheSpecExample() throws {
        // numpy.percentile([1,2,3,4,5,10], [0,50,75,90,95,100]) = [1, 3.5, 4.75, 7.5, 8.75, 10]
        let points = try Harness.points(
            "percentiles", Self.options([0, 50, 75, 90, 95, 100]), Self.records([10, 3, 1, 5, 2, 4]))
        #expect(
            points.map(\.metric) == [
                "github.ci.workflow_duration_minutes.min", "github.ci.workflow_duration_minutes.p50",
                "github.ci.workflow_duration_minutes.p75", "github.ci.workflow_duration_minutes.p90",
                "github.ci.workflow_duration_minutes.p95", "github.ci.workflow_duration_minutes.max",
            ])
        #expect(points.map(\.value) == [1, 3.5, 4.75, 7.5, 8.75, 10])
        #expect(points.allSatisfy { $0.timestamp == Int(Harness.now) && $0.tags == Harness.pipelineTags })
    }

    @Test func matchesNumpyToTheBitOnUnevenData() throws {
        // numpy 2.4: numpy.percentile(a, [0,50,75,90,95,99.9,100])
        //   = [0.5, 8.125, 17.0, 27.5, 34.625, 41.60750000000003, 41.75]
        let a = [12.5, 3.25, 7.0, 41.75, 0.5, 19.0, 8.125, 3.25, 27.5, 15.0, 2.0]
        let out = try Self.emitted(Self.options([0, 50, 75, 90, 95, 99.9, 100], metric: "d"), a)
        #expect(
            out == [
                "d.min": 0.5, "d.p50": 8.125, "d.p75": 17.0, "d.p90": 27.5, "d.p95": 34.625,
                "d.p99_9": 41.60750000000003, "d.max": 41.75,
            ])
    }

    @Test func matchesNumpyOnRandomData() throws {
        // random.seed(7); [round(random.uniform(0,120),3) for _ in range(37)], then numpy.percentile(b, ps)
        let b = [
            38.86, 18.102, 78.112, 8.692, 64.306, 43.883, 6.96, 60.892, 4.499, 52.037, 8.383, 10.886, 50.942, 99.222,
            14.856, 26.789, 75.292, 113.725, 69.252, 47.602, 117.151, 5.59, 103.016, 34.753, 17.311, 14.135, 37.018,
            97.935, 21.687, 69.792, 76.67, 44.688, 65.729, 7.535, 7.152, 24.715, 81.648,
        ]
        let ps: [Double] = [0, 1, 10, 33.3, 50, 66.6, 75, 90, 95, 99, 99.9, 100]
        let expected = [
            4.499, 4.89176, 7.3818, 21.64398, 43.883, 64.224064, 69.792, 98.4498, 105.15779999999995,
            115.91763999999999,
            117.02766400000002, 117.151,
        ]
        let points = try Harness.points("percentiles", Self.options(ps, metric: "r"), Self.records(b))
        #expect(points.map(\.value) == expected)
        #expect(
            points.map(\.metric) == [
                "r.min", "r.p1", "r.p10", "r.p33_3", "r.p50", "r.p66_6", "r.p75", "r.p90", "r.p95", "r.p99", "r.p99_9",
                "r.max",
            ])
    }

    @Test func smallInputs() throws {
        // numpy.percentile([42], [0,50,99,100]) = [42, 42, 42, 42]; numpy.percentile([1,2], [25,50,90]) = [1.25, 1.5, 1.9]
        #expect(
            try Self.emitted(Self.options([0, 50, 99, 100], metric: "s"), [42]) == [
                "s.min": 42, "s.p50": 42, "s.p99": 42, "s.max": 42,
            ])
        #expect(
            try Self.emitted(Self.options([25, 50, 90], metric: "s"), [2, 1]) == [
                "s.p25": 1.25, "s.p50": 1.5, "s.p90": 1.9,
            ])
    }

    @Test func notEmittedWhenThereAreNoValues() throws {
        #expect(try Harness.points("percentiles", Self.options([50]), []).isEmpty)
        #expect(try Harness.points("percentiles", Self.options([50]), [["minutes": nil], [:]]).isEmpty)
    }

    @Test func numericStringsCountAndOtherValuesAreSkipped() throws {
        let input: [JSON] = [["minutes": "4"], ["minutes": nil], ["minutes": 2], ["minutes": "slow"], ["minutes": 6]]
        #expect(try Harness.points("percentiles", Self.options([50], metric: "m"), input).map(\.value) == [4])
    }

    @Test func namesOverrideTheDefaultSuffixes() throws {
        var options = Self.options([50, 90], metric: "ci.duration")
        if case .object(var object) = options {
            object["names"] = ["50": "median", "90.0": "slow_tail"]
            options = .object(object)
        }
        #expect(try Self.emitted(options, [1, 2, 3]) == ["ci.duration.median": 2, "ci.duration.slow_tail": 2.8])
    }

    @Test func percentilesOutsideZeroToHundredAreRejected() throws {
        let over = Harness.failure("percentiles", Self.options([50, 101]))
        #expect(over?.path == ["stages", "percentiles", "percentiles", "[1]"])
        #expect(over?.message == "101 is not a percentile: use a number from 0 to 100")
        let under = Harness.failure("percentiles", Self.options([-0.5]))
        #expect(under?.path == ["stages", "percentiles", "percentiles", "[0]"])
        #expect(under?.message == "-0.5 is not a percentile: use a number from 0 to 100")
    }

    @Test func emptyAndDuplicatePercentilesAreRejected() throws {
        let empty = Harness.failure("percentiles", Self.options([]))
        #expect(empty?.path == ["stages", "percentiles", "percentiles"])
        #expect(empty?.message == "list at least one percentile, e.g. [50, 90, 99]")
        let twice = Harness.failure("percentiles", Self.options([50, 90, 50]))
        #expect(twice?.path == ["stages", "percentiles", "percentiles", "[2]"])
        #expect(twice?.message == "50 is listed twice")
        let notNumber = Harness.failure("percentiles", ["field": "x", "percentiles": ["p50"], "metric": "m"])
        #expect(notNumber?.path == ["stages", "percentiles", "percentiles", "[0]"])
        #expect(notNumber?.message == "expected a number, found a string")
    }

    @Test func badNamesAreRejected() throws {
        func with(_ names: JSON) -> OptionsDecoder.Failure? {
            Harness.failure("percentiles", ["field": "x", "percentiles": [50, 90], "metric": "m", "names": names])
        }
        let unknown = with(["75": "q3"])
        #expect(unknown?.path == ["stages", "percentiles", "names", "75"])
        #expect(unknown?.message == "\"75\" is not one of the percentiles listed in \"percentiles\"")
        let invalid = with(["50": "med ian"])
        #expect(invalid?.path == ["stages", "percentiles", "names", "50"])
        #expect(invalid?.message.hasPrefix("metric name \"m.med ian\" contains space") == true)
        let clash = with(["50": "p90"])
        #expect(clash?.path == ["stages", "percentiles", "names"])
        #expect(clash?.message == "two percentiles would both be named \"m.p90\"")
    }
}
