/// The services a run gives its stages (the HTTP client, the response cache, the API usage
/// counters), found by type: the engine carries them without knowing them, so it links no
/// client, and a stage asks only for what it uses.
public struct StageServices: Sendable {
    private var services: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    /// The service of type `Service`, if the run gives one.
    public subscript<Service: Sendable>(_ type: Service.Type) -> Service? {
        get { services[ObjectIdentifier(type)] as? Service }
        set { services[ObjectIdentifier(type)] = newValue }
    }
}

/// Gives each stage of a run a service, set up for that stage (the HTTP client with the stage's
/// `http` settings and deadline). The CLI hands the executor one provider per service.
public protocol StageServiceProvider: Sendable {
    /// Adds the service for `stage` of `plan` to `services`; `deadline` bounds the stage's work
    /// (for a sink, the run's deadline plus the sinks' grace).
    func provide(for stage: PipelinePlan.Stage, of plan: PipelinePlan, deadline: Deadline?, into services: inout StageServices)
}

/// A stage asked for a service that its run does not give.
public struct MissingService: Error, CustomStringConvertible, Sendable {
    public var stage: String
    public var service: String
    public var description: String {
        "stage \(stage) needs a \(service), and this run gives none (give the executor a provider of it)"
    }
}
