import Pipeline

/// The run's response cache as a stage service: one for every stage (absent with `--no-cache`).
extension ResponseCache: StageServiceProvider {
    public func provide(
        for stage: PipelinePlan.Stage, of plan: PipelinePlan, deadline: Deadline?, into services: inout StageServices
    ) {
        services[ResponseCache.self] = self
    }
}
