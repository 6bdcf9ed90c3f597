/// What every stage of one run shares and may read: which pipeline, which run, its clock.
public struct RunFacts: Sendable, Equatable {
    /// The pipeline's name (`github`): health metrics are `collector.<pipeline>.…`.
    public var pipeline: String
    /// Identifies this run (`github-1795410000-3f9a`): stored with points and run records.
    public var id: String
    /// The run's clock in whole seconds since the epoch, read once (or `--as-of`).
    public var now: Double
    /// When the run started (wall clock, seconds since the epoch), as opposed to `now`, its clock.
    public var startedAt: Double
    /// Seconds that sources reach back beyond their own spans: a backfill fetches once for its
    /// whole range (`since: 7d` then covers 7 days before the range's first step).
    public var lookback: Double
    /// The pipeline's default tags, normalised.
    public var tags: [String]
    /// The metrics the pipeline's stages declare (`PipelinePlan.metrics`): a sink sets their metadata.
    public var metrics: [MetricDeclaration] = []

    public init(pipeline: String, id: String, now: Double, startedAt: Double, lookback: Double = 0, tags: [String] = []) {
        self.pipeline = pipeline
        self.id = id
        self.now = now
        self.startedAt = startedAt
        self.lookback = lookback
        self.tags = tags
    }

    /// A run's identifier: the pipeline, the clock, and a random part (`github-1795410000-3f9a`).
    public static func newID(pipeline: String, now: Double) -> String {
        "\(pipeline)-\(Int(now))-\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }
}
