import Testing

@testable import Pipeline

@Suite("RunReport and HealthMetrics")
struct RunReportTests {
    private func report(
        _ outcomes: [String: RunReport.Outcome], sinkFailures: [String: String] = [:], metricCount: Int = 3,
        duration: Double = 1.5
    ) -> RunReport {
        RunReport(outcomes: outcomes, sinkFailures: sinkFailures, metricCount: metricCount, durationSeconds: duration)
    }

    @Test("exit code 0 when every stage finished")
    func success() {
        let run = report(["a": .finished, "b": .finished])
        #expect(run.exitCode == 0)
        #expect(run.errorCount == 0)
        #expect(!run.failedAsWhole)
        #expect(!run.wasCancelled)
    }

    @Test("exit code 1 when a stage failed; skipped stages are not errors")
    func stageFailed() {
        let run = report(["a": .failed("x"), "b": .skipped(upstream: ["a"]), "c": .finished])
        #expect(run.exitCode == 1)
        #expect(run.errorCount == 1)
        #expect(!run.failedAsWhole, "other stages delivered metrics")
    }

    @Test("exit code 3 when a sink could not deliver, over a stage failure")
    func sinkFailed() {
        let run = report(["a": .failed("x"), "out": .failed("403")], sinkFailures: ["out": "403"])
        #expect(run.exitCode == 3)
    }

    @Test("a sink that delivered but whose state failed: an error (exit 1), not a delivery failure (3)")
    func finishedWithError() {
        let run = report(["a": .finished, "out": .finishedWithError("delivered, but the outbox could not be cleared")])
        #expect(run.exitCode == 1)
        #expect(run.errorCount == 1)
        #expect(!run.failedAsWhole)
    }

    @Test("a cancelled run exits 1 and failed as a whole")
    func cancelled() {
        let run = report(["a": .cancelled, "b": .finished])
        #expect(run.wasCancelled)
        #expect(run.exitCode == 1)
        #expect(run.failedAsWhole)
    }

    @Test("stages failed and no metric came out: failed as a whole")
    func nothingOut() {
        #expect(report(["a": .failed("x")], metricCount: 0).failedAsWhole)
        #expect(!report(["a": .finished], metricCount: 0).failedAsWhole, "no metrics but no error either")
    }

    @Test("health points: duration (ms precision, in seconds), metric count, error count, with tags and time")
    func healthPoints() {
        let points = HealthMetrics.points(
            for: report(["a": .failed("x"), "b": .finished], metricCount: 12, duration: 2.34567), pipeline: "github",
            tags: ["env:prod"], timestamp: 1_800_000_000)
        #expect(
            points.map(\.metric) == [
                "collector.github.duration_seconds", "collector.github.metric_count", "collector.github.error_count",
            ])
        #expect(points.map(\.value) == [2.346, 12, 1])
        #expect(points.allSatisfy { $0.tags == ["env:prod"] && $0.timestamp == 1_800_000_000 && $0.kind == .gauge })
        #expect(points[0].unit == "second")
    }

    @Test("health points include failed = 1 only when the run failed as a whole")
    func healthFailed() {
        let failed = HealthMetrics.points(
            for: report(["a": .failed("x")], metricCount: 0), pipeline: "p", tags: [], timestamp: 0)
        #expect(failed.last?.metric == "collector.p.failed")
        #expect(failed.last?.value == 1)
        let ok = HealthMetrics.points(for: report(["a": .finished]), pipeline: "p", tags: [], timestamp: 0)
        #expect(!ok.map(\.metric).contains("collector.p.failed"))
    }
}
