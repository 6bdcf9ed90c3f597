import Pipeline

/// The run's client as a stage service: each stage sends through the run's connections,
/// per-host bound and rate-limit budgets, with the pipeline file's `http` settings, the stage's
/// over them, and the stage's deadline.
extension HTTPClient: StageServiceProvider {
    public func provide(
        for stage: PipelinePlan.Stage, of plan: PipelinePlan, deadline: Deadline?, into services: inout StageServices
    ) {
        let settings = plan.http.overridden(by: stage.http)
        services[HTTPClient.self] = with { configuration in
            settings.apply(to: &configuration)
            if let deadline { configuration.deadline = deadline }
            configuration.settingsPath = "stages.\(stage.name).http"
        }
    }
}

extension HTTPSettings {
    /// Sets what these settings set on a client configuration.
    public func apply(to configuration: inout HTTPClient.Configuration) {
        if let timeout { configuration.requestTimeout = Self.duration(timeout) }
        if let connectTimeout { configuration.connectTimeout = Self.duration(connectTimeout) }
        if let maxResponseBytes { configuration.maxResponseBytes = maxResponseBytes }
    }
}

extension StageContext {
    /// The run's HTTP client, set up for this stage.
    public var http: HTTPClient {
        get throws { try service(HTTPClient.self) }
    }
}

extension StageServices {
    /// Services with `http` as the HTTP client: for running a stage on its own (tools, tests).
    public init(http: HTTPClient) {
        self.init()
        self[HTTPClient.self] = http
    }
}
