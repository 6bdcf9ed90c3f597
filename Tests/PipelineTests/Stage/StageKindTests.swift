import Testing

@testable import Pipeline

@Suite("StageKind and StageRegistry")
struct StageKindTests {
    let registry = TestStages.Kit().registry

    @Test("the factories set role, what a stage reads and writes, and whether it needs inputs")
    func factories() throws {
        let records = try #require(registry["records"])
        #expect(
            (records.role, records.reads, records.writes, records.requiresInputs) == (.source, nil, .records, false))
        let fetch = try #require(registry["fetch"])
        #expect((fetch.role, fetch.reads, fetch.writes, fetch.requiresInputs) == (.source, .records, .records, true))
        let points = try #require(registry["points"])
        #expect(points.writes == .points)
        let pass = try #require(registry["pass"])
        #expect((pass.role, pass.reads, pass.writes, pass.requiresInputs) == (.transform, .records, .records, true))
        let count = try #require(registry["count"])
        #expect((count.role, count.reads, count.writes, count.requiresInputs) == (.transform, .records, .points, true))
        let sink = try #require(registry["record"])
        #expect((sink.role, sink.reads, sink.writes, sink.requiresInputs) == (.sink, .points, nil, true))
    }

    @Test("optionNames come from decoding the example")
    func optionNames() throws {
        #expect(try #require(registry["records"]).optionNames == ["batch_size", "count", "metric"])
        #expect(try #require(registry["count"]).optionNames == ["metric"])
        #expect(try #require(registry["pass"]).optionNames == [])
    }

    @Test("every example builds a runtime of the kind's role")
    func examplesBuild() throws {
        for kind in registry.sorted {
            let runtime = try kind.makeRuntime(options: kind.example, path: ["stages", kind.type])
            let role: StageKind.Role =
                switch runtime {
                case .source: .source
                case .batch, .aggregation: .transform
                case .sink: .sink
                }
            #expect(role == kind.role, "\(kind.type)")
        }
    }

    @Test("makeRuntime reports bad options at the given path")
    func makeRuntimeErrors() throws {
        let count = try #require(registry["count"])
        do {
            _ = try count.makeRuntime(options: ["metric": 3], path: ["stages", "total"])
            Issue.record("bad options built a runtime")
        } catch let failure as OptionsDecoder.Failure {
            #expect(failure.path == ["stages", "total", "metric"])
            #expect(failure.message == "expected a string, found a number")
        }
    }

    @Test("the registry lists sources, then transforms, then sinks, each by name")
    func sorted() {
        #expect(
            registry.sorted.map(\.type) == [
                "block", "fail", "fetch", "get", "points", "records", "count", "pass", "pick", "tally", "broken", "record",
                "stateless",
            ])
        #expect(registry["nope"] == nil)
    }
}
