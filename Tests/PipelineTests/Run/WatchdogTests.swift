import Foundation
import LoopbackHTTP
import Testing

@testable import Pipeline

/// The run's watchdog: a run whose stages make no progress is stopped with a message naming what
/// it waits on, its sinks still deliver, `failed` is 1; a slow run that progresses is left alone.
@Suite("Watchdog", .timeLimit(.minutes(1)))
struct WatchdogTests {
    @Test func aRequestThatNeverAnswersStopsTheRunAndIsNamed() async throws {
        let server = try LoopbackServer { request in
            var response = LoopbackResponse.json("{}")
            if request.path == "/hang" { response.delay = .seconds(60) }
            return response
        }
        defer { server.stop() }
        let kit = TestStages.Kit()
        let clock = ContinuousClock()
        let started = clock.now
        let report = try #require(
            await kit.run(
                """
                {"name": "dog", "stages": {
                  "slow": {"type": "get", "url": "\(server.baseURL)/hang"},
                  "answered": {"type": "count", "inputs": ["slow"], "metric": "dog.answered"},
                  "pts": {"type": "points", "count": 3, "metric": "dog.p"},
                  "out": {"type": "record", "inputs": ["answered", "pts"]}
                }}
                """,
                configure: { $0.stallTimeout = .seconds(1) }))
        let elapsed = clock.now - started

        #expect(elapsed < .seconds(20), "took \(elapsed)")
        guard case .failed(let message)? = report.outcomes["slow"] else {
            Issue.record("slow: \(String(describing: report.outcomes["slow"]))")
            return
        }
        #expect(message.contains("stopped by the watchdog"))
        #expect(message.contains("waiting on GET \(server.baseURL)/hang (in flight, for "), "\(message)")
        #expect(report.outcomes["out"] == .finished)
        #expect(report.stalled)
        #expect(report.exitCode == 1)
        #expect(kit.recorder.values(of: "dog.p") == [0, 1, 2])
        kit.recorder.expect(metric: "collector.dog.failed", value: 1)
        kit.recorder.expectNo(metric: "dog.answered")
    }

    @Test func aStageSuspendedWithoutARequestIsNamedToo() async throws {
        let kit = TestStages.Kit()
        let report = try #require(
            await kit.run(
                """
                {"name": "dog", "stages": {
                  "stuck": {"type": "block"},
                  "total": {"type": "count", "inputs": ["stuck"], "metric": "dog.total"},
                  "out": {"type": "record", "inputs": ["total"]}
                }}
                """,
                configure: { $0.stallTimeout = .milliseconds(400) }))

        guard case .failed(let message)? = report.outcomes["stuck"] else {
            Issue.record("stuck: \(String(describing: report.outcomes["stuck"]))")
            return
        }
        #expect(message.contains("with no request in progress"), "\(message)")
        kit.recorder.expect(metric: "collector.dog.failed", value: 1)
    }

    @Test func aSlowRunThatKeepsProgressingIsNotStopped() async throws {
        // 12 steps of 0.5 s: three times the watchdog's limit in all, a quarter of it each.
        let kit = TestStages.Kit(fetchDelay: .milliseconds(500))
        let report = try #require(
            await kit.run(
                """
                {"name": "dog", "stages": {
                  "ids": {"type": "records", "count": 12, "batch_size": 1},
                  "each": {"type": "fetch", "inputs": ["ids"], "url": "/{i}", "concurrency": 1},
                  "total": {"type": "count", "inputs": ["each"], "metric": "dog.total"},
                  "out": {"type": "record", "inputs": ["total"]}
                }}
                """,
                configure: { $0.stallTimeout = .seconds(2) }))

        #expect(!report.stalled)
        #expect(report.exitCode == 0)
        kit.recorder.expect(metric: "dog.total", value: 12)
    }
}
