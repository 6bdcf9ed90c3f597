import Foundation

extension Executor {
    /// 30 s: a Datadog delivery's retries (`retry_for`, 30 s by default) fit in it.
    public static let standardSinkGrace: Duration = .seconds(30)

    /// The services `stage` is given: each provider's, set up for its settings and deadline (for
    /// sinks, plus `sinkGrace`: they deliver after the producing stages stop), and the run's API
    /// usage counters.
    func services(for stage: PipelinePlan.Stage) -> StageServices {
        let deadline = stage.isSink ? self.deadline?.extended(by: sinkGrace) : self.deadline
        var services = StageServices()
        services[APIUsage.self] = apiUsage
        for provider in self.services { provider.provide(for: stage, of: plan, deadline: deadline, into: &services) }
        return services
    }

    /// Returns once `deadline` has passed, having fired `signal`; or when cancelled, without.
    static func wait(until deadline: Deadline, thenFire signal: StopSignal) async {
        try? await Task.sleep(for: deadline.remaining(at: Date()))
        if !Task.isCancelled { signal.fire() }
    }

    /// `deadline reached: the run's deadline of 10m (PIPELINE_DEADLINE) at … has passed; stopping …`.
    static func deadlineMessage(_ deadline: Deadline, stillRunning: [String], sinkGrace: Duration) -> String {
        "deadline reached: \(deadline) has passed; stopping the stages still running: "
            + "\(stillRunning.joined(separator: ", ")); the sinks get \(TimeText.seconds(sinkGrace)) more to deliver "
            + "(\(deadline.advice))"
    }
}
