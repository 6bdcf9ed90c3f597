import Foundation

/// What a stage is given to run: the run's facts, its own name and log, the fields its readers
/// use, the services it may ask for, and the environment it reads its configuration from.
public struct StageContext: Sendable {
    /// The stage's name in the pipeline file.
    public var stage: String
    public var run: RunFacts
    public var logger: Logger
    /// The fields of this stage's output records that later stages read; a source may drop the rest.
    public var fields: FieldSelection
    /// The HTTP client, the response cache, the API usage counters: see `service(_:)`.
    public var services: StageServices
    /// The environment stages read their configuration from (tokens, AWS region, endpoints and
    /// credentials, state paths): the process's, unless a test gives its own.
    public var environment: [String: String]
    /// Fires when the run is asked to stop (SIGTERM, SIGINT). Producing stages are cancelled
    /// anyway; a sink waiting on the network watches it to give up within a short grace and exit
    /// before the process is killed. Nil when nothing can stop the run (tools, tests).
    public var stop: StopSignal?

    public init(
        stage: String, run: RunFacts, logger: Logger, services: StageServices = StageServices(),
        environment: [String: String] = ProcessInfo.processInfo.environment, fields: FieldSelection = .all,
        stop: StopSignal? = nil
    ) {
        self.stage = stage
        self.run = run
        self.logger = logger
        self.services = services
        self.environment = environment
        self.fields = fields
        self.stop = stop
    }

    /// The service of type `Service`, or an error naming this stage when the run gives none.
    public func service<Service: Sendable>(_ type: Service.Type) throws -> Service {
        guard let service = services[type] else { throw MissingService(stage: stage, service: "\(type)") }
        return service
    }

    /// A gauge at the run's time with the pipeline's tags plus `extraTags`.
    public func point(_ metric: String, _ value: Double, unit: String? = nil, extraTags: [String] = []) -> MetricPoint {
        MetricPoint(metric: metric, value: value, timestamp: Int(run.now), kind: .gauge, tags: run.tags + extraTags, unit: unit)
    }
}
