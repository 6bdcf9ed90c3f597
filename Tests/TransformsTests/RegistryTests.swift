import Pipeline
import Testing
import Transforms

/// The compliance test: every registered transform type decodes its example, builds, and runs.
@Suite struct RegistryTests {
    @Test func everyTypeIsRegisteredOnce() {
        let types = TransformStages.all.map(\.type)
        #expect(Set(types).count == types.count)
        #expect(
            Set(types) == [
                "filter", "map", "window", "duration", "count", "distinct_count", "sum", "mean", "min", "max", "percentiles",
                "ratio",
                "latest", "group", "value",
            ])
        _ = StageRegistry(TransformStages.all)
    }

    @Test(arguments: TransformStages.all.map(\.type))
    func exampleOptionsBuildAndRun(type: String) throws {
        let kind = Harness.kind(type)
        #expect(kind.role == .transform)
        #expect(!kind.summary.isEmpty)
        #expect(!kind.optionNames.isEmpty)
        let runtime = try kind.makeRuntime(options: kind.example, path: ["stages", type])
        switch runtime {
        case .batch(let transform):
            var out: [Item] = []
            try transform.transform([.record(["x": 1])], into: &out, context: Harness.context())
        case .aggregation(let aggregation):
            var accumulator = aggregation.makeAccumulator(context: Harness.context())
            try accumulator.add([])
            _ = try accumulator.finish()
        default:
            Issue.record("\(type) is neither a batch transform nor an aggregation")
        }
    }

    @Test func itemKindsAtTheEdges() {
        func kinds(_ type: String) -> (ItemKind?, ItemKind?) { (Harness.kind(type).reads, Harness.kind(type).writes) }
        #expect(kinds("filter") == (.records, .records))
        #expect(kinds("latest") == (.records, .records))
        #expect(kinds("count") == (.records, .points))
        #expect(kinds("ratio") == (.points, .points))
    }

    @Test func optionNamesComeFromTheExample() {
        #expect(
            Harness.kind("percentiles").optionNames == [
                "field", "group", "group_by", "metric", "monitor", "names", "percentiles", "tags", "unit",
            ])
        #expect(Harness.kind("filter").optionNames == ["any", "negate", "where"])
    }
}
