import Synchronization
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("Executor", .timeLimit(.minutes(1)))
struct ExecutorTests {
    /// A clock that reads 100 s at the start of the run and 102.5 s ever after.
    final class SteppingClock: Sendable {
        private let calls = Atomic<Int>(0)
        func now() -> Double { calls.add(1, ordering: .relaxed).oldValue == 0 ? 100 : 102.5 }
    }

    @Test("fan-out: two consumers of one source both get every record")
    func fanOut() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "fan", "stages": {
                  "src": {"type": "records", "count": 7, "batch_size": 3},
                  "a": {"type": "count", "inputs": ["src"], "metric": "fan.a"},
                  "b": {"type": "count", "inputs": ["src"], "metric": "fan.b"},
                  "out": {"type": "record", "inputs": ["a", "b"]}
                }}
                """))
        kit.recorder.expect(metric: "fan.a", value: 7)
        kit.recorder.expect(metric: "fan.b", value: 7)
        #expect(report.outcomes == ["src": .finished, "a": .finished, "b": .finished, "out": .finished])
        #expect(report.exitCode == 0)
    }

    @Test("fan-in: one stage reading two sources gets the records of both")
    func fanIn() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "fan", "stages": {
                  "one": {"type": "records", "count": 3, "batch_size": 2},
                  "two": {"type": "records", "count": 4, "batch_size": 1},
                  "total": {"type": "count", "inputs": ["one", "two"], "metric": "fan.total"},
                  "out": {"type": "record", "inputs": ["total"]}
                }}
                """))
        kit.recorder.expect(metric: "fan.total", value: 7)
        #expect(report.errorCount == 0)
        #expect(report.exitCode == 0)
    }

    @Test("a batch transform passes records through to its consumers")
    func batchTransform() async throws {
        let kit = TestStages.Kit()
        _ = try #require(
            await kit.run(
                """
                {"name": "chain", "stages": {
                  "src": {"type": "records", "count": 250, "batch_size": 10},
                  "p1": {"type": "pass", "inputs": ["src"]},
                  "p2": {"type": "pass", "inputs": ["p1"]},
                  "total": {"type": "count", "inputs": ["p2"], "metric": "chain.total"},
                  "out": {"type": "record", "inputs": ["total"]}
                }}
                """,
                configure: { $0.channelCapacity = 1 }))
        kit.recorder.expect(metric: "chain.total", value: 250)
    }

    @Test("backpressure: a fast source feeding a slow sink never has more than ~capacity batches queued")
    func backpressure() async throws {
        let kit = TestStages.Kit(slowEvery: 100)
        let capacity = 2
        let batches = 10_000
        let report = try #require(
            await kit.run(
                """
                {"name": "bp", "stages": {
                  "pts": {"type": "points", "count": \(batches), "metric": "bp.point"},
                  "out": {"type": "record", "inputs": ["pts"]}
                }}
                """,
                configure: { $0.channelCapacity = capacity }))
        // In flight = produced - consumed: the queue (capacity), one sender waiting for room and
        // one batch taken by the sink but not yet counted.
        #expect(kit.flow.maxInFlight <= capacity + 2, "max in flight \(kit.flow.maxInFlight)")
        #expect(kit.flow.maxInFlight >= capacity, "the sink's pauses let the source fill the queue")
        #expect(kit.flow.producedCount == batches)
        #expect(kit.recorder.values(of: "bp.point").count == batches)
        #expect(kit.recorder.values(of: "bp.point") == (0..<batches).map(Double.init), "in order")
        #expect(report.metricCount == batches)
        kit.recorder.expect(metric: "collector.bp.metric_count", value: Double(batches))
    }

    @Test("a failing source: its dependents are skipped, an independent branch still delivers")
    func failureIsolation() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "iso", "stages": {
                  "bad": {"type": "fail", "message": "GitHub answered 500", "after": 2},
                  "bad_pass": {"type": "pass", "inputs": ["bad"]},
                  "bad_count": {"type": "count", "inputs": ["bad_pass"], "metric": "iso.bad"},
                  "good": {"type": "records", "count": 5},
                  "good_count": {"type": "count", "inputs": ["good"], "metric": "iso.good"},
                  "out": {"type": "record", "inputs": ["bad_count", "good_count"]}
                }}
                """))
        #expect(report.outcomes["bad"] == .failed("GitHub answered 500"))
        #expect(report.outcomes["bad_pass"] == .skipped(upstream: ["bad"]))
        #expect(report.outcomes["bad_count"] == .skipped(upstream: ["bad_pass"]))
        #expect(report.outcomes["good"] == .finished)
        #expect(report.outcomes["good_count"] == .finished)
        #expect(report.outcomes["out"] == .finished)
        #expect(report.errorCount == 1)
        #expect(report.exitCode == 1)
        #expect(!report.failedAsWhole)

        kit.recorder.expect(metric: "iso.good", value: 5)
        kit.recorder.expectNo(metric: "iso.bad")
        kit.recorder.expect(metric: "collector.iso.error_count", value: 1)
        kit.recorder.expect(metric: "collector.iso.metric_count", value: 1)
        #expect(kit.recorder.values(of: "collector.iso.duration_seconds").count == 1)
        kit.recorder.expectNo(metric: "collector.iso.failed")
    }

    @Test("when every branch fails, the health metrics say the run failed as a whole")
    func failedAsWhole() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "down", "stages": {
                  "bad": {"type": "fail", "message": "no network"},
                  "total": {"type": "count", "inputs": ["bad"], "metric": "down.total"},
                  "out": {"type": "record", "inputs": ["total"]}
                }}
                """))
        #expect(report.exitCode == 1)
        #expect(report.metricCount == 0)
        #expect(report.failedAsWhole)
        kit.recorder.expectNo(metric: "down.total")
        kit.recorder.expect(metric: "collector.down.failed", value: 1)
        kit.recorder.expect(metric: "collector.down.error_count", value: 1)
        kit.recorder.expect(metric: "collector.down.metric_count", value: 0)
    }

    @Test("a sink that cannot deliver makes the run exit with code 3")
    func failingSink() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "deliver", "stages": {
                  "pts": {"type": "points", "count": 3},
                  "out": {"type": "broken", "inputs": ["pts"]}
                }}
                """))
        #expect(report.outcomes["out"] == .failed("the metrics service answered 403 Forbidden"))
        #expect(report.sinkFailures == ["out": "the metrics service answered 403 Forbidden"])
        #expect(report.outcomes["pts"] == .finished)
        #expect(report.exitCode == 3)
    }

    @Test("a sink that delivered but whose state failed: exit 1 and an error count, not a delivery failure")
    func sinkStateFailed() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "state", "stages": {
                  "pts": {"type": "points", "count": 3},
                  "out": {"type": "stateless", "inputs": ["pts"]}
                }}
                """))
        #expect(report.outcomes["out"] == .finishedWithError("delivered 3 points, but the outbox could not be cleared"))
        #expect(report.sinkFailures.isEmpty)
        #expect(report.errorCount == 1)
        #expect(report.exitCode == 1)
    }

    @Test("the run's stop signal reaches the sinks' context, for sinks that wait on the network")
    func stopReachesSinks() async throws {
        let kit = TestStages.Kit()
        let plan = try #require(
            kit.plan(
                """
                {"name": "stopped", "stages": {
                  "pts": {"type": "points", "count": 3},
                  "out": {"type": "stateless", "inputs": ["pts"], "expect_stop": true}
                }}
                """))
        let http = HTTPClient()
        defer { http.shutdown() }
        let executor = Executor(plan: plan, now: 1_800_000_000, logger: Logger(label: "test", level: .error), services: [http])
        let stop = StopSignal()
        stop.fire()
        let report = await executor.run(stoppingOn: stop)
        #expect(report.outcomes["out"] == .finishedWithError("the stop signal had fired"), "\(report.outcomes)")
    }

    @Test("one failing sink does not stop another sink from delivering")
    func oneSinkFails() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "two", "stages": {
                  "pts": {"type": "points", "count": 3, "metric": "two.p"},
                  "broken_out": {"type": "broken", "inputs": ["pts"]},
                  "out": {"type": "record", "inputs": ["pts"]}
                }}
                """))
        #expect(report.exitCode == 3)
        #expect(report.outcomes["out"] == .finished)
        #expect(kit.recorder.values(of: "two.p") == [0, 1, 2])
        kit.recorder.expect(metric: "collector.two.metric_count", value: 3)
    }

    @Test("cancelling the run while a source is blocked returns promptly with cancelled outcomes")
    func cancellation() async throws {
        let kit = TestStages.Kit()
        let plan = try #require(
            kit.plan(
                """
                {"name": "cancel", "stages": {
                  "wait": {"type": "block"},
                  "total": {"type": "count", "inputs": ["wait"], "metric": "cancel.total"},
                  "out": {"type": "record", "inputs": ["total"]}
                }}
                """))
        let http = HTTPClient()
        defer { http.shutdown() }
        let executor = Executor(
            plan: plan, now: 1_800_000_000, logger: Logger(label: "test", level: .error), services: [http])
        let run = Task { await executor.run() }
        await kit.blocked.wait()

        let clock = ContinuousClock()
        let start = clock.now
        run.cancel()
        let report = await run.value
        let elapsed = clock.now - start

        #expect(elapsed < .seconds(5), "took \(elapsed)")
        #expect(report.outcomes["wait"] == .cancelled)
        for name in ["total", "out"] {
            let outcome = report.outcomes[name]
            #expect(
                outcome == .cancelled || outcome == .skipped(upstream: ["wait"]),
                "\(name): \(String(describing: outcome))")
        }
        #expect(report.wasCancelled)
        #expect(report.failedAsWhole)
        #expect(report.exitCode == 1)
        kit.recorder.expectNo(metric: "cancel.total")
    }

    @Test("a stop signal ends the producing stages while the sinks deliver what they have and the health metrics")
    func stopSignal() async throws {
        let kit = TestStages.Kit()
        let plan = try #require(
            kit.plan(
                """
                {"name": "stop", "stages": {
                  "wait": {"type": "block"},
                  "total": {"type": "count", "inputs": ["wait"], "metric": "stop.total"},
                  "pts": {"type": "points", "count": 3, "metric": "stop.p"},
                  "out": {"type": "record", "inputs": ["total", "pts"]}
                }}
                """))
        let http = HTTPClient()
        defer { http.shutdown() }
        let executor = Executor(
            plan: plan, now: 1_800_000_000, logger: Logger(label: "test", level: .error), services: [http])
        let stop = StopSignal()
        let run = Task { await executor.run(stoppingOn: stop) }
        await kit.blocked.wait()
        try await TestStages.eventually { kit.recorder.values(of: "stop.p").count == 3 }
        stop.fire()
        let report = await run.value

        // Every producing stage is stopped; `pts` may or may not have returned by then.
        #expect(report.outcomes["wait"] == .cancelled)
        let total = report.outcomes["total"]
        #expect(total == .cancelled || total == .skipped(upstream: ["wait"]), "\(String(describing: total))")
        #expect(report.outcomes["out"] == .finished, "the sink was not cancelled")
        #expect(report.exitCode == 1)
        #expect(kit.recorder.values(of: "stop.p") == [0, 1, 2])
        kit.recorder.expectNo(metric: "stop.total")
        kit.recorder.expect(metric: "collector.stop.failed", value: 1)
        kit.recorder.expect(metric: "collector.stop.metric_count", value: 3)
        kit.recorder.expect(metric: "collector.stop.error_count", value: 0)
    }

    @Test("the run ID names the pipeline and the run's time, and reaches every stage")
    func runID() throws {
        let kit = TestStages.Kit()
        let plan = try #require(kit.plan(PipelineLoaderTests.valid))
        let http = HTTPClient()
        defer { http.shutdown() }
        let a = Executor(plan: plan, now: 1_800_000_000.5, logger: Logger(), services: [http])
        let b = Executor(plan: plan, now: 1_800_000_000.5, logger: Logger(), services: [http])
        #expect(a.runID.hasPrefix("demo-1800000000-"))
        #expect(a.runID != b.runID, "two runs at the same time get different IDs")
        #expect(a.now == 1_800_000_000)
    }

    @Test("health metrics on success: durations from the clock, metric count, tags, no failed")
    func healthOnSuccess() async throws {
        let kit = TestStages.Kit()
        let clock = SteppingClock()
        let report = try #require(
            await kit.run(
                """
                {"name": "health", "tags": {"team": "Platform"}, "stages": {
                  "pts": {"type": "points", "count": 4, "metric": "health.p"},
                  "src": {"type": "records", "count": 3},
                  "total": {"type": "count", "inputs": ["src"], "metric": "health.total"},
                  "out": {"type": "record", "inputs": ["pts", "total"]}
                }}
                """,
                now: 1_800_000_000.9,
                configure: { $0.clock = clock.now }))
        let tags = ["team:platform"]
        #expect(report.metricCount == 5)
        #expect(report.durationSeconds == 2.5)
        #expect(report.exitCode == 0)
        kit.recorder.expect(metric: "health.total", value: 3, tags: tags)
        kit.recorder.expect(metric: "collector.health.metric_count", value: 5, tags: tags)
        kit.recorder.expect(metric: "collector.health.error_count", value: 0, tags: tags)
        kit.recorder.expect(metric: "collector.health.duration_seconds", value: 2.5, tags: tags)
        kit.recorder.expectNo(metric: "collector.health.failed")
        #expect(
            kit.recorder.points.allSatisfy { $0.timestamp == 1_800_000_000 }, "every point at the run's whole second")
        #expect(kit.recorder.points.first { $0.metric == "collector.health.duration_seconds" }?.unit == "second")
        #expect(kit.recorder.points.last?.metric.hasPrefix("collector.health.") == true, "health comes last")
    }

    @Test("every sink gets the health metrics")
    func healthToEverySink() async throws {
        let kit = TestStages.Kit()
        _ = try #require(
            await kit.run(
                """
                {"name": "multi", "stages": {
                  "pts": {"type": "points", "count": 2},
                  "first": {"type": "record", "inputs": ["pts"]},
                  "second": {"type": "record", "inputs": ["pts"]}
                }}
                """))
        for sink in ["first", "second"] {
            let metrics = kit.recorder.points(of: sink).map(\.metric)
            #expect(metrics.filter { $0 == "test.point" }.count == 2, "\(sink)")
            #expect(
                Set(metrics.filter { $0.hasPrefix("collector.") })
                    == [
                        "collector.multi.duration_seconds", "collector.multi.metric_count",
                        "collector.multi.error_count",
                    ],
                "\(sink)")
        }
    }

    @Test("a parameterised source runs once per input record, at most `concurrency` at once", arguments: [1, 3])
    func parameterisedSource(concurrency: Int) async throws {
        let kit = TestStages.Kit(fetchDelay: .milliseconds(40))
        let report = try #require(
            await kit.run(
                """
                {"name": "param", "stages": {
                  "ids": {"type": "records", "count": 10, "batch_size": 4},
                  "fetch": {"type": "fetch", "inputs": ["ids"], "url": "/items/{i}", "concurrency": \(concurrency)},
                  "fetched": {"type": "count", "inputs": ["fetch"], "metric": "param.fetched"},
                  "out": {"type": "record", "inputs": ["fetched"]}
                }}
                """))
        #expect(report.exitCode == 0)
        #expect(kit.fetches.seen.sorted() == (0..<10).map { "/items/\($0)" }.sorted())
        #expect(kit.fetches.peak == concurrency, "runs in progress at once")
        kit.recorder.expect(metric: "param.fetched", value: 10)
    }

    @Test("a parameterised source whose template misses a field fails, and its dependents are skipped")
    func parameterisedFailure() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "param", "stages": {
                  "ids": {"type": "records", "count": 3},
                  "fetch": {"type": "fetch", "inputs": ["ids"], "url": "/items/{sha}"},
                  "fetched": {"type": "count", "inputs": ["fetch"], "metric": "param.fetched"},
                  "out": {"type": "record", "inputs": ["fetched"]}
                }}
                """))
        #expect(
            report.outcomes["fetch"] == .failed(#"the input record has no field "sha" for the template "/items/{sha}""#)
        )
        #expect(report.outcomes["fetched"] == .skipped(upstream: ["fetch"]))
        #expect(report.exitCode == 1)
        kit.recorder.expectNo(metric: "param.fetched")
    }

    @Test("with on_input_error continue, a parameterised source's failures are its error, and its dependents still run")
    func parameterisedFailureContinues() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "param", "stages": {
                  "ids": {"type": "records", "count": 3},
                  "fetch": {"type": "fetch", "inputs": ["ids"], "url": "/items/{sha}", "on_input_error": "continue"},
                  "fetched": {"type": "count", "inputs": ["fetch"], "metric": "param.fetched"},
                  "out": {"type": "record", "inputs": ["fetched"]}
                }}
                """))
        #expect(
            report.outcomes["fetch"]
                == .finishedWithError(
                    #"failed for 3 input records: the input record has no field "sha" for the template "/items/{sha}""#
                ))
        #expect(report.outcomes["fetched"] == .finished)
        #expect(report.errorCount == 1)
        #expect(report.exitCode == 1)
        kit.recorder.expect(metric: "param.fetched", value: 0)
    }

    @Test("errors are reported on one line")
    func oneLineErrors() {
        #expect(Executor.oneLine(TestStages.Failure(message: "first\nsecond\r\nthird")) == "first second third")
    }
}
