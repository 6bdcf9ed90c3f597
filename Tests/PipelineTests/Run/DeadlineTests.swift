import Foundation
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// The executor and the run's deadline: producing stages stop when it passes, the sinks get a
/// grace, and every stage's HTTP client carries the deadline and the file's `http` settings.
@Suite("Executor and the run's deadline")
struct DeadlineTests {
    /// The test stages plus a sink that takes everything and then never ends, and a source that
    /// records the HTTP configuration it is given.
    struct Stages {
        let kit = TestStages.Kit()
        let configurations = Shared<[String: HTTPClient.Configuration]>([:])

        struct StuckSink: Sink {
            let recorder: TestStages.Recorder
            func run(points: PointStream, context: StageContext) async throws {
                for try await batch in points { recorder.append(batch, sink: context.stage) }
                try await Task.sleep(for: .seconds(3600))
            }
        }

        struct ProbeSource: Source {
            let record: @Sendable (String, HTTPClient.Configuration) -> Void
            func run(input: JSON?, output: Output, context: StageContext) async throws {
                record(context.stage, try context.http.configuration)
            }
        }

        struct ProbeSink: Sink {
            let record: @Sendable (String, HTTPClient.Configuration) -> Void
            func run(points: PointStream, context: StageContext) async throws {
                record(context.stage, try context.http.configuration)
                _ = try await points.collect()
            }
        }

        var registry: StageRegistry {
            let recorder = kit.recorder
            let record: @Sendable (String, HTTPClient.Configuration) -> Void = { [configurations] stage, configuration in
                configurations.update { $0[stage] = configuration }
            }
            let extra = [
                StageKind.sink("stuck", summary: "never ends", options: NoOptions.self, example: [:], optionDocs: [:]) { _ in
                    StuckSink(recorder: recorder)
                },
                StageKind.source(
                    "probe", summary: "records its HTTP client", options: NoOptions.self, example: [:], writes: .points,
                    optionDocs: [:]
                ) {
                    _ in ProbeSource(record: record)
                },
                StageKind.sink(
                    "probe_sink", summary: "records its HTTP client", options: NoOptions.self, example: [:], optionDocs: [:]
                ) { _ in
                    ProbeSink(record: record)
                },
            ]
            return StageRegistry(Array(kit.registry.kinds.values) + extra)
        }

        func plan(_ text: String) throws -> PipelinePlan {
            try PipelineLoader(registry: registry, variables: Variables()).load(Array(text.utf8), file: "test.json")
        }
    }

    static func run(_ plan: PipelinePlan, deadline: Deadline?, sinkGrace: Duration = .seconds(30)) async -> (RunReport, Duration)
    {
        let http = HTTPClient()
        defer { http.shutdown() }
        var executor = Executor(plan: plan, now: 1_800_000_000, logger: Logger(label: "test", level: .error), services: [http])
        executor.deadline = deadline
        executor.sinkGrace = sinkGrace
        let start = ContinuousClock.now
        let report = await executor.run()
        return (report, ContinuousClock.now - start)
    }

    @Test(
        "when the deadline passes, the producing stages stop as on SIGTERM; the sinks deliver what they have and the health says failed"
    )
    func deadlineStopsProducers() async throws {
        let stages = Stages()
        let plan = try stages.plan(
            """
            {"name": "late", "stages": {
              "wait": {"type": "block"},
              "total": {"type": "count", "inputs": ["wait"], "metric": "late.total"},
              "pts": {"type": "points", "count": 3, "metric": "late.p"},
              "out": {"type": "record", "inputs": ["total", "pts"]}
            }}
            """)
        let deadline = Deadline(TimeSpan("1s")!, setting: .flag, from: Date())

        let (report, elapsed) = await Self.run(plan, deadline: deadline)

        #expect(elapsed < .seconds(20), "the source would block for an hour")
        #expect(report.deadlineReached)
        #expect(report.outcomes["wait"] == .cancelled)
        #expect(report.outcomes["out"] == .finished, "the sink was not stopped")
        #expect(report.exitCode == 1)
        #expect(report.failedAsWhole)
        stages.kit.recorder.expect(metric: "collector.late.failed", value: 1)
        stages.kit.recorder.expect(metric: "collector.late.metric_count", value: 3)
        #expect(stages.kit.recorder.values(of: "late.p") == [0, 1, 2])
    }

    @Test("a run that ends before its deadline is not marked by it")
    func deadlineNotReached() async throws {
        let stages = Stages()
        let plan = try stages.plan(
            """
            {"name": "quick", "stages": {
              "pts": {"type": "points", "count": 2, "metric": "quick.p"},
              "out": {"type": "record", "inputs": ["pts"]}
            }}
            """)
        let (report, _) = await Self.run(plan, deadline: Deadline(TimeSpan("10m")!, setting: .standard, from: Date()))
        #expect(!report.deadlineReached)
        #expect(report.exitCode == 0)
        stages.kit.recorder.expectNo(metric: "collector.quick.failed")
    }

    @Test("sinks get their grace after the deadline, then are stopped and reported as not delivered (exit 3)")
    func sinkGraceEnds() async throws {
        let stages = Stages()
        let plan = try stages.plan(
            """
            {"name": "stuck", "stages": {
              "wait": {"type": "block"},
              "total": {"type": "count", "inputs": ["wait"], "metric": "stuck.total"},
              "out": {"type": "stuck", "inputs": ["total"]}
            }}
            """)
        let deadline = Deadline(TimeSpan("1s")!, setting: .file, from: Date())

        let (report, elapsed) = await Self.run(plan, deadline: deadline, sinkGrace: .seconds(1))

        #expect(elapsed < .seconds(20), "the sink would wait for an hour")
        guard case .failed(let message)? = report.outcomes["out"] else {
            Issue.record("the sink should be failed, is \(String(describing: report.outcomes["out"]))")
            return
        }
        #expect(message.contains("after the run's deadline"), "\(message)")
        #expect(report.sinkFailures["out"] != nil)
        #expect(report.exitCode == 3)
        // It was given the health metrics before it was stopped.
        stages.kit.recorder.expect(metric: "collector.stuck.failed", value: 1)
    }

    @Test("each stage's client has the file's http settings, the stage's over them, and the deadline (the sinks' with the grace)")
    func stageClients() async throws {
        let stages = Stages()
        let plan = try stages.plan(
            """
            {"name": "probe", "http": {"timeout": "5s", "max_response_bytes": "1MiB"},
             "stages": {
              "a": {"type": "probe", "http": {"timeout": "2s", "connect_timeout": "3s"}},
              "b": {"type": "probe"},
              "out": {"type": "probe_sink", "inputs": ["a", "b"], "http": {"max_response_bytes": 65536}}
            }}
            """)
        let deadline = Deadline(TimeSpan("10m")!, setting: .environment, from: Date())

        let (report, _) = await Self.run(plan, deadline: deadline, sinkGrace: .seconds(7))

        #expect(report.exitCode == 0)
        let seen = stages.configurations.value
        let a = try #require(seen["a"])
        #expect(a.requestTimeout == .seconds(2))
        #expect(a.connectTimeout == .seconds(3))
        #expect(a.maxResponseBytes == 1 << 20)
        #expect(a.settingsPath == "stages.a.http")
        #expect(a.deadline == deadline)
        let b = try #require(seen["b"])
        #expect(b.requestTimeout == .seconds(5))
        #expect(b.connectTimeout == .seconds(10))
        #expect(b.maxResponseBytes == 1 << 20)
        let out = try #require(seen["out"])
        #expect(out.maxResponseBytes == 65536)
        #expect(out.deadline == deadline.extended(by: .seconds(7)))
        #expect(out.deadline?.end == deadline.instant.addingTimeInterval(7))
    }
}
