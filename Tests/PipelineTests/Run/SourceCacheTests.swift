import Synchronization
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("SourceCache")
struct SourceCacheTests {
    /// Emits `count` records tagged with its input's `id`, and counts its runs; fails when told to.
    final class CountingSource: Source {
        let runs = Atomic<Int>(0)
        let count: Int
        let failing: Bool

        init(count: Int, failing: Bool = false) {
            self.count = count
            self.failing = failing
        }

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            runs.add(1, ordering: .relaxed)
            let id = input?["id"] ?? .null
            await output.send(records: (0..<count).map { ["id": id, "n": .number(Double($0))] })
            if failing { throw TestStages.Failure(message: "failed after sending") }
        }

        var runCount: Int { runs.load(ordering: .relaxed) }
    }

    private func context(_ http: HTTPClient) -> StageContext {
        StageContext(
            stage: "s", run: RunFacts(pipeline: "p", id: "test-run", now: 0, startedAt: 0, tags: []),
            logger: Logger(level: .error), services: StageServices(http: http))
    }

    @Test("the first run reads the source; later runs for the same input replay what it emitted")
    func replays() async throws {
        let http = HTTPClient()
        defer { http.shutdown() }
        let cache = SourceCache()
        let source = CountingSource(count: 3)
        let first = ItemCollector()
        try await cache.run(
            source, stage: "s", input: ["id": 1], output: Output(collectingInto: first), context: context(http))
        let second = ItemCollector()
        try await cache.run(
            source, stage: "s", input: ["id": 1], output: Output(collectingInto: second), context: context(http))

        #expect(source.runCount == 1)
        #expect(first.records.count == 3, "the first run's output still reaches its consumers")
        #expect(second.records == first.records)
        #expect(second.records.map { $0["n"] } == [0, 1, 2])
    }

    @Test("another input or another stage is a different entry")
    func keyedByStageAndInput() async throws {
        let http = HTTPClient()
        defer { http.shutdown() }
        let cache = SourceCache()
        let source = CountingSource(count: 1)
        let collector = ItemCollector()
        let output = Output(collectingInto: collector)
        let calls: [(String, JSON?)] = [
            ("s", ["id": 1]), ("s", ["id": 2]), ("t", ["id": 1]), ("s", nil), ("s", ["id": 2]),
        ]
        for (stage, input) in calls {
            try await cache.run(source, stage: stage, input: input, output: output, context: context(http))
        }
        #expect(source.runCount == 4, "the last call replays (s, id 2)")
        #expect(collector.records.map { $0["id"] } == [1, 2, 1, JSON.null, 2])
    }

    @Test("a failed run is not kept: the next run reads the source again")
    func failuresNotCached() async throws {
        let http = HTTPClient()
        defer { http.shutdown() }
        let cache = SourceCache()
        let source = CountingSource(count: 2, failing: true)
        for _ in 0..<2 {
            await #expect(throws: TestStages.Failure.self) {
                try await cache.run(
                    source, stage: "s", input: nil, output: Output(collectingInto: ItemCollector()),
                    context: context(http))
            }
        }
        #expect(source.runCount == 2)
    }

    @Test("a large replay arrives complete and in order")
    func largeReplay() async throws {
        let http = HTTPClient()
        defer { http.shutdown() }
        let cache = SourceCache()
        let source = CountingSource(count: 2_500)
        try await cache.run(
            source, stage: "s", input: nil, output: Output(collectingInto: ItemCollector()), context: context(http))
        let replay = ItemCollector()
        try await cache.run(
            source, stage: "s", input: nil, output: Output(collectingInto: replay), context: context(http))
        #expect(replay.records.map { $0["n"]?.number } == (0..<2_500).map(Double.init))
    }

    @Test("an executor with a cache reads each source once across runs, and every run delivers")
    func executorReplays() async throws {
        let kit = TestStages.Kit()
        let plan = try #require(
            kit.plan(
                """
                {"name": "cached", "stages": {
                  "pts": {"type": "points", "count": 4, "metric": "cached.p"},
                  "ids": {"type": "records", "count": 3},
                  "fetch": {"type": "fetch", "inputs": ["ids"], "url": "/items/{i}"},
                  "fetched": {"type": "count", "inputs": ["fetch"], "metric": "cached.fetched"},
                  "out": {"type": "record", "inputs": ["pts", "fetched"]}
                }}
                """))
        let http = HTTPClient()
        defer { http.shutdown() }
        let cache = SourceCache()
        for step in 0..<3 {
            var executor = Executor(
                plan: plan, now: 1_800_000_000 + Double(step) * 3600, logger: Logger(level: .error), services: [http])
            executor.sourceCache = cache
            #expect(await executor.run().exitCode == 0)
        }
        #expect(kit.flow.producedCount == 4, "the points source ran once")
        #expect(kit.fetches.seen.count == 3, "the parameterised source ran once per input record")
        #expect(kit.recorder.values(of: "cached.p").count == 12, "every run delivered the points")
        #expect(kit.recorder.values(of: "cached.fetched") == [3, 3, 3])
    }
}
