import FakeDatadog
import FakeGitHub
import Foundation
import Pipeline
import Storage
import Testing

/// The built binary against an intake that accepts requests and never answers them: the run
/// must end within `retry_for`, and within a short grace after SIGTERM (the kubelet kills the
/// pod 30 s after it), keeping what it could not send for the next run.
@Suite("Datadog delivery, end to end: a hung intake, SIGTERM")
struct DatadogStopTests {
    typealias Bed = DatadogDeliveryTests.Bed

    /// Waits for the intake to receive its first request; returns when it did.
    static func firstRequest(_ datadog: FakeDatadog) async throws -> ContinuousClock.Instant {
        let deadline = Date().addingTimeInterval(60)
        while datadog.seriesRequestCount == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(datadog.seriesRequestCount >= 1, "the run never reached Datadog")
        return ContinuousClock.now
    }

    static func queued(_ bed: Bed) throws -> Int {
        try Outbox(path: bed.state + "/state.sqlite").count(pipeline: "github", destination: "datadog:" + bed.datadog.baseURL)
    }

    @Test("a Datadog that never answers: the run ends within DD_RETRY_FOR plus a margin, exit 3, points kept")
    func hungIntakeEndsWithinRetryFor() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        bed.datadog.neverAnswer()
        var environment = bed.environment
        environment["DD_RETRY_FOR"] = "3s"
        let running = try CLIRunner.start(
            ["run", "github", "--as-of", Timestamp.format(bed.now.timeIntervalSince1970)], environment: environment)
        let sent = try await Self.firstRequest(bed.datadog)
        let result = try await running.finish(within: .seconds(45))
        let elapsed = ContinuousClock.now - sent
        // Before: 121.7 s against 30 s (each attempt waited out the client's 60 s timeout). The
        // margin is for a loaded machine.
        #expect(elapsed < .seconds(3) + .seconds(9), "took \(elapsed)")
        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(result.stderr.contains("retry_for (3s)"), "\(result.stderr)")
        #expect(try Self.queued(bed) > 0)
    }

    @Test("SIGTERM while Datadog holds a request: exit 3 within the grace, points kept and sent by the next run")
    func sigtermGivesUpWithinGrace() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        bed.datadog.neverAnswer()
        var environment = bed.environment
        environment["DD_RETRY_FOR"] = "5m"
        let running = try CLIRunner.start(
            ["run", "github", "--as-of", Timestamp.format(bed.now.timeIntervalSince1970)], environment: environment)
        _ = try await Self.firstRequest(bed.datadog)
        // What had been sent when the signal went: a test starved past the attempt's 30 s timeout
        // (seen once under a full CI run) sees the run's own retry before it signals.
        let sentBeforeSIGTERM = bed.datadog.seriesRequestCount
        let signalled = ContinuousClock.now
        running.kill(SIGTERM)
        let result = try await running.finish(within: .seconds(45))
        let elapsed = ContinuousClock.now - signalled
        // The documented grace is 10 s; the kubelet kills at 30 s. Before: 116.6 s. The margin is
        // for a full test run on two cores (18.2 s seen there).
        #expect(elapsed < .seconds(10) + .seconds(14), "took \(elapsed) after SIGTERM")
        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(result.stderr.contains("SIGTERM"), "\(result.stderr)")
        #expect(result.stderr.contains("wait in the outbox"), "\(result.stderr)")
        #expect(bed.datadog.seriesRequestCount == sentBeforeSIGTERM, "no retry after the signal")
        let waiting = try Self.queued(bed)
        #expect(waiting > 0)

        // The next run sends what the stopped one left, health metrics included.
        bed.datadog.delay = .zero
        let rerun = try await bed.run(at: bed.now).finish()
        #expect(rerun.exitCode == 0, "\(rerun.stderr)")
        #expect(bed.receivedKeys.isSuperset(of: bed.expectedKeys(at: bed.now)))
        #expect(try Self.queued(bed) == 0)
    }
}

extension CLIRunner.Running {
    /// `finish()`, but the process is killed (and the test fails) if it runs longer than `limit`.
    func finish(within limit: Duration) async throws -> CLIRunner.Result {
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: limit)
            Issue.record("the process was still running after \(limit): killed")
            Foundation.kill(pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        return try await finish()
    }
}
