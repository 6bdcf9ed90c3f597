import Foundation

extension Executor {
    /// 30 s: a Datadog delivery's retries (`retry_for`, 30 s by default) fit in it.
    public static let standardSinkGrace: Duration = .seconds(30)

    /// The client a stage sends through: the run's connections, per-host bound and rate-limit
    /// budgets, with the pipeline file's `http` settings, the stage's over them, and the run's
    /// deadline (for sinks, plus `sinkGrace`: they deliver after the producing stages stop).
    func httpClient(for stage: PipelinePlan.Stage) -> HTTPClient {
        let settings = plan.http.overridden(by: stage.http)
        let deadline = stage.isSink ? self.deadline?.extended(by: sinkGrace) : self.deadline
        return http.with { configuration in
            settings.apply(to: &configuration)
            if let deadline { configuration.deadline = deadline }
            configuration.settingsPath = "stages.\(stage.name).http"
        }
    }

    /// Returns once `deadline` has passed, having fired `signal`; or when cancelled, without.
    static func wait(until deadline: Deadline, thenFire signal: StopSignal) async {
        try? await Task.sleep(for: deadline.remaining(at: Date()))
        if !Task.isCancelled { signal.fire() }
    }

    /// `deadline reached: the run's deadline of 10m (PIPELINE_DEADLINE) at … has passed; stopping …`.
    static func deadlineMessage(_ deadline: Deadline, stillRunning: [String], sinkGrace: Duration) -> String {
        "deadline reached: \(deadline) has passed; stopping the stages still running: "
            + "\(stillRunning.joined(separator: ", ")); the sinks get \(HTTPDate.seconds(sinkGrace)) more to deliver "
            + "(\(deadline.advice))"
    }
}
