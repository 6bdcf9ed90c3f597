import Foundation
import HTTP
import Pipeline
import Storage
import Synchronization
import Testing

@testable import Sources

@Suite("sqlite_points source")
struct SQLitePointsTests {
    /// The run's clock: 2026-11-23T12:00:00Z.
    static let now = 1_795_435_200
    static let day = 86_400

    static func withStore<T>(_ points: [(pipeline: String, points: [MetricPoint])], _ body: (String) async throws -> T)
        async throws -> T
    {
        let dir = NSTemporaryDirectory() + "/pipeline-sqlite-points-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/metrics.sqlite"
        let db = try MetricsDatabase(path: path)
        for (index, group) in points.enumerated() { try db.write(group.points, runID: "run-\(index)", pipeline: group.pipeline) }
        return try await body(path)
    }

    static func source(_ options: JSON) throws -> any Source {
        let kind = try #require(SourceStages.all.first { $0.type == "sqlite_points" })
        guard case .source(let source) = try kind.makeRuntime(options: options, path: ["stages", "stored"]) else {
            throw CancellationError()
        }
        return source
    }

    /// The points the source emits with `options`, in order.
    static func emitted(_ options: JSON) async throws -> [MetricPoint] {
        let http = HTTPClient()
        defer { http.shutdown() }
        let collector = ItemCollector()
        let context = StageContext(
            stage: "stored",
            run: RunFacts(pipeline: "replay", id: "test-run", now: Double(now), startedAt: Double(now), tags: ["source:replay"]),
            logger: Logger(label: "test", level: .error), services: StageServices(http: http))
        try await source(options).run(input: nil, output: Output(collectingInto: collector), context: context)
        return collector.points
    }

    static let history: [(pipeline: String, points: [MetricPoint])] = [
        (
            "github",
            [
                MetricPoint(
                    metric: "github.ci.runs", value: 5, timestamp: now - 40 * day, kind: .count, tags: ["repo:o/r"],
                    interval: 86_400),
                MetricPoint(
                    metric: "github.ci.duration", value: 12.5, timestamp: now - 30 * day, tags: ["repo:o/r", "env:prod"],
                    unit: "second"),
                MetricPoint(metric: "github.prs.open", value: 3, timestamp: now - 2 * day, tags: ["repo:o/r"]),
                MetricPoint(metric: "github.prs.open", value: 4, timestamp: now - day, tags: ["repo:o/other"]),
                MetricPoint(
                    metric: "github.ci.runs", value: 6, timestamp: now, kind: .count, tags: ["repo:o/r"], interval: 86_400),
            ]
        ),
        ("jira", [MetricPoint(metric: "jira.issues.open", value: 9, timestamp: now - day, tags: ["project:x"])]),
    ]

    @Test("emits every stored point oldest first, with its original timestamp, tags, unit and type")
    func everything() async throws {
        try await Self.withStore(Self.history) { path in
            let points = try await Self.emitted(["path": .string(path)])
            let expected = Self.history.flatMap(\.points).map {
                var p = $0
                p.tags.sort()
                return p
            }
            .sorted { ($0.timestamp, $0.metric) < ($1.timestamp, $1.metric) }
            #expect(points.map(\.timestamp) == expected.map(\.timestamp))
            #expect(Set(points) == Set(expected))
        }
    }

    /// Options (without `path`) and the days back (from the clock) of the points they select, in order.
    struct FilterCase: Sendable, CustomTestStringConvertible {
        var options: JSON
        var daysBack: [Int]
        var testDescription: String { options.jsonText }
    }

    static let filterCases: [FilterCase] = [
        FilterCase(options: ["metric": "github.ci.*"], daysBack: [40, 30, 0]),
        FilterCase(options: ["since": "30d"], daysBack: [30, 2, 1, 1, 0]),
        FilterCase(options: ["since": "30d", "until": "2d"], daysBack: [30, 2]),
        FilterCase(options: ["until": .string(Timestamp.format(Double(now - 30 * day)))], daysBack: [40, 30]),
        FilterCase(options: ["since": .string(Timestamp.format(Double(now - day))), "until": "now"], daysBack: [1, 1, 0]),
        FilterCase(options: ["pipeline": "jira"], daysBack: [1]),
        FilterCase(options: ["pipeline": ""], daysBack: [40, 30, 2, 1, 1, 0]),
        // Normalised like the stored tags.
        FilterCase(options: ["tags": ["Repo:O/R"]], daysBack: [40, 30, 2, 0]),
        FilterCase(options: ["tags": ["repo:o/r", "env:prod"], "metric": "github.*"], daysBack: [30]),
        FilterCase(options: ["metric": "nothing.*"], daysBack: []),
    ]

    @Test("filters: metric glob, since/until as spans or ISO times (inclusive), pipeline, tags", arguments: filterCases)
    func filters(_ filter: FilterCase) async throws {
        try await Self.withStore(Self.history) { path in
            guard case .object(var object) = filter.options else { return }
            object["path"] = .string(path)
            let points = try await Self.emitted(.object(object))
            #expect(points.map(\.timestamp) == filter.daysBack.map { Self.now - $0 * Self.day })
        }
    }

    /// Records the size of every batch that reaches it.
    final class BatchRecorder: Sendable {
        let sizes = Mutex<[Int]>([])
    }

    struct RecordingSink: Sink {
        let recorder: BatchRecorder
        func run(points: PointStream, context: StageContext) async throws {
            for try await batch in points where batch.allSatisfy({ !$0.metric.hasPrefix("collector.") }) {
                recorder.sizes.withLock { $0.append(batch.count) }
            }
        }
    }

    @Test("emits batches of 1,000 through a running pipeline")
    func batches() async throws {
        let many = (0..<2345).map {
            MetricPoint(metric: "m.\($0 % 10)", value: Double($0), timestamp: Self.now - $0 / 100, tags: ["i:\($0)"])
        }
        try await Self.withStore([("github", many)]) { path in
            let recorder = BatchRecorder()
            let registry = StageRegistry([
                SQLitePointsSource.kind,
                StageKind.sink("record", summary: "records batch sizes", options: NoOptions.self, example: [:], optionDocs: [:]) {
                    _ in
                    RecordingSink(recorder: recorder)
                },
            ])
            let file =
                #"{"name": "replay", "stages": {"stored": {"type": "sqlite_points", "path": "\#(path)"}, "out": {"type": "record", "inputs": ["stored"]}}}"#
            let plan = try PipelineLoader(registry: registry, variables: Variables()).load(Array(file.utf8), file: "replay.json")
            let http = HTTPClient()
            defer { http.shutdown() }
            let report = await Executor(
                plan: plan, now: Double(Self.now), logger: Logger(label: "test", level: .error), services: [http]
            ).run()
            #expect(report.exitCode == 0)
            #expect(report.metricCount == 2345)
            #expect(recorder.sizes.withLock { $0 } == [1000, 1000, 345])
        }
    }

    struct FaultCase: Sendable, CustomTestStringConvertible {
        var options: JSON
        var path: String
        var testDescription: String { options.jsonText }
    }

    static let faultCases: [FaultCase] = [
        FaultCase(options: ["path": "m.sqlite", "since": "yesterday"], path: "stages.stored.since"),
        FaultCase(options: ["path": "m.sqlite", "until": "2026-13-01"], path: "stages.stored.until"),
        FaultCase(options: ["path": "m.sqlite", "tags": ["repo:o/r", "novalue"]], path: "stages.stored.tags[1]"),
        FaultCase(options: ["path": "m.sqlite", "metric": ""], path: "stages.stored.metric"),
        FaultCase(options: ["path": ""], path: "stages.stored.path"),
        FaultCase(
            options: ["path": "m.sqlite", "since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"],
            path: "stages.stored.until"),
        FaultCase(options: ["metric": "*"], path: "stages.stored.path"),
        FaultCase(options: ["path": "m.sqlite", "metrics": "*"], path: "stages.stored.metrics"),
    ]

    @Test("option faults are reported at their JSON path", arguments: faultCases)
    func optionFaults(_ fault: FaultCase) throws {
        do {
            _ = try Self.source(fault.options)
            Issue.record("accepted \(fault.options)")
        } catch let failure as OptionsDecoder.Failure {
            #expect(
                failure.path.joined(separator: ".").replacingOccurrences(of: ".[", with: "[") == fault.path, "\(failure.message)")
        }
    }

    @Test("a missing store is a clear error when the stage runs, and no file is created")
    func missingFile() async throws {
        let path = NSTemporaryDirectory() + "/no-such-\(UUID().uuidString).sqlite"
        do {
            _ = try await Self.emitted(["path": .string(path)])
            Issue.record("expected an error")
        } catch {
            #expect(
                "\(error)" == "\(path): cannot open: unable to open database file; check the path and its directory's permissions"
            )
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
