import Foundation
import HTTP
import Pipeline
import Sinks
import Storage
import Synchronization
import Testing

@Suite("sqlite sink")
struct SQLiteSinkTests {
    /// The run's clock: 2026-11-23T12:00:00Z.
    static let now = 1_795_435_200.0

    /// `emit`: `count` points `sink.test.N` (tags `i:N`, every third a count with an interval,
    /// every other with a unit), in batches of `batch`.
    struct EmitOptions: Decodable, Sendable {
        var count: Int
        var batch: Int?
    }

    struct Emit: Source {
        var options: EmitOptions
        static func points(_ count: Int, now: Double) -> [MetricPoint] {
            (0..<count).map { (i: Int) -> MetricPoint in
                let isCount = i % 3 == 0
                let unit: String? = i % 2 == 0 ? "second" : nil
                return MetricPoint(
                    metric: "sink.test.\(i % 7)", value: Double(i) / 4, timestamp: Int(now), kind: isCount ? .count : .gauge,
                    tags: ["i:\(i)", "env:test"], unit: unit, interval: isCount ? 3600 : nil)
            }
        }
        func run(input: JSON?, output: Output, context: StageContext) async throws {
            let all = Self.points(options.count, now: context.run.now)
            let size = options.batch ?? 100
            for start in stride(from: 0, to: all.count, by: size) {
                await output.send(all[start..<min(start + size, all.count)].map(Item.point))
            }
        }
    }

    struct Fail: Source {
        struct Broken: Error, CustomStringConvertible { var description: String { "broken on purpose" } }
        func run(input: JSON?, output: Output, context: StageContext) async throws { throw Broken() }
    }

    static let registry = StageRegistry([
        StageKind.source(
            "emit", summary: "test points", options: EmitOptions.self, example: ["count": 1], writes: .points, optionDocs: [:]
        ) {
            Emit(options: $0)
        },
        StageKind.source("fail", summary: "fails", options: NoOptions.self, example: [:], writes: .points, optionDocs: [:]) { _ in
            Fail()
        },
        SQLiteSink.kind,
    ])

    /// Runs a pipeline file (JSON text) at the test clock, the run starting at wall time 1000.
    static func run(_ text: String, runID: String = "sinktest-1") async throws -> RunReport {
        let plan = try PipelineLoader(registry: registry, variables: Variables()).load(Array(text.utf8), file: "test.json")
        let http = HTTPClient()
        defer { http.shutdown() }
        var executor = Executor(plan: plan, now: now, logger: Logger(label: "test", level: .error), services: [http])
        executor.runID = runID
        executor.clock = { 1000 }
        return await executor.run()
    }

    static func withDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = NSTemporaryDirectory() + "/pipeline-sqlite-sink-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static func readAll(_ path: String, _ filter: PointFilter = .all) async throws -> [MetricPoint] {
        var all: [MetricPoint] = []
        for try await batch in try MetricsDatabase(path: path, readOnly: true).points(filter: filter) { all += batch }
        return all
    }

    static func pipeline(_ stages: String) -> String { #"{"name": "sinktest", "tags": {"env": "test"}, "stages": {\#(stages)}}"# }

    @Test("points written equal points read back, plus the run's health points")
    func roundTrip() async throws {
        try await Self.withDirectory { dir in
            let path = dir + "/metrics.sqlite"
            let report = try await Self.run(
                Self.pipeline(
                    """
                    "gen": {"type": "emit", "count": 2345, "batch": 300},
                    "db": {"type": "sqlite", "inputs": ["gen"], "path": "\(path)"}
                    """))
            #expect(report.exitCode == 0, "\(report.sinkFailures)")
            let back = try await Self.readAll(path, PointFilter(metric: "sink.test.*"))
            let sent = Emit.points(2345, now: Self.now).map { point in
                var copy = point
                copy.tags.sort()
                return copy
            }
            #expect(back.count == sent.count)
            #expect(Set(back) == Set(sent))
            let health = try await Self.readAll(path, PointFilter(metric: "collector.sinktest.*"))
            #expect(
                Set(health.map(\.metric)) == [
                    "collector.sinktest.duration_seconds", "collector.sinktest.metric_count", "collector.sinktest.error_count",
                ])
            #expect(health.first { $0.metric == "collector.sinktest.metric_count" }?.value == 2345)
        }
    }

    @Test("the runs row: started with the run, ended, status ok and the counts from the health points")
    func runRowOK() async throws {
        try await Self.withDirectory { dir in
            let path = dir + "/metrics.sqlite"
            _ = try await Self.run(
                Self.pipeline(
                    #""gen": {"type": "emit", "count": 10}, "db": {"type": "sqlite", "inputs": ["gen"], "path": "\#(path)"}"#))
            let run = try #require(try MetricsDatabase(path: path).run(id: "sinktest-1"))
            #expect(run.pipeline == "sinktest")
            #expect(run.startedAt == 1000)
            #expect((run.endedAt ?? 0) > 1000)
            #expect(run.status == .ok)
            #expect(run.metricCount == 10)
            #expect(run.errorCount == 0)
        }
    }

    @Test("status partial when a stage failed but metrics came out; failed when the run failed as a whole")
    func runRowFailures() async throws {
        try await Self.withDirectory { dir in
            let path = dir + "/metrics.sqlite"
            let partial = try await Self.run(
                Self.pipeline(
                    """
                    "gen": {"type": "emit", "count": 5}, "bad": {"type": "fail"},
                    "db": {"type": "sqlite", "inputs": ["gen", "bad"], "path": "\(path)"}
                    """), runID: "sinktest-partial")
            #expect(partial.exitCode == 1)
            let failed = try await Self.run(
                Self.pipeline(#""bad": {"type": "fail"}, "db": {"type": "sqlite", "inputs": ["bad"], "path": "\#(path)"}"#),
                runID: "sinktest-failed")
            #expect(failed.exitCode == 1)
            let db = try MetricsDatabase(path: path)
            let partialRun = try #require(try db.run(id: "sinktest-partial"))
            #expect(partialRun.status == .partial)
            #expect(partialRun.errorCount == 1)
            #expect(partialRun.metricCount == 5)
            let failedRun = try #require(try db.run(id: "sinktest-failed"))
            #expect(failedRun.status == .failed)
            #expect(failedRun.errorCount == 1)
            #expect(failedRun.metricCount == 0)
        }
    }

    @Test("a retried run with the same clock does not duplicate points")
    func retriedRun() async throws {
        try await Self.withDirectory { dir in
            let path = dir + "/metrics.sqlite"
            let file = Self.pipeline(
                #""gen": {"type": "emit", "count": 500}, "db": {"type": "sqlite", "inputs": ["gen"], "path": "\#(path)"}"#)
            _ = try await Self.run(file, runID: "sinktest-a")
            _ = try await Self.run(file, runID: "sinktest-b")
            let db = try MetricsDatabase(path: path)
            #expect(try db.count(filter: PointFilter(metric: "sink.test.*")) == 500)
            #expect(try db.runs(pipeline: "sinktest").count == 2)
            let owners = try db.database.withConnection { c in
                try c.query("SELECT DISTINCT run_id FROM points") { $0.text(at: 0) }
            }
            #expect(owners == ["sinktest-b"])
        }
    }

    @Test("a store that cannot be opened fails the sink: exit code 3, the file and what to check")
    func cannotOpen() async throws {
        try await Self.withDirectory { dir in
            let path = dir + "/missing/metrics.sqlite"
            let report = try await Self.run(
                Self.pipeline(
                    #""gen": {"type": "emit", "count": 5}, "db": {"type": "sqlite", "inputs": ["gen"], "path": "\#(path)"}"#))
            #expect(report.exitCode == 3)
            #expect(
                report.sinkFailures["db"]
                    == "\(path): cannot open: unable to open database file; check the path and its directory's permissions")
        }
    }

    @Test("options: path defaults to $PIPELINE_DB, else metrics.sqlite; an empty path is refused")
    func options() throws {
        let kind = try #require(SinkStages.all.first { $0.type == "sqlite" })
        guard case .sink(let sink) = try kind.makeRuntime(options: [:], path: ["stages", "db"]) else {
            Issue.record("not a sink")
            return
        }
        let expected = MetricsDatabase.defaultPath(environment: ProcessInfo.processInfo.environment)
        #expect((sink as? SQLiteSink)?.path == expected)
        #expect(throws: OptionsDecoder.Failure.self) { try kind.makeRuntime(options: ["path": ""], path: ["stages", "db"]) }
        #expect(throws: OptionsDecoder.Failure.self) { try kind.makeRuntime(options: ["pth": "x"], path: ["stages", "db"]) }
    }
}
