import Foundation

/// What a stage knows about the run it is part of.
public struct StageContext: Sendable {
    /// The stage's name in the pipeline file.
    public var stage: String
    /// The pipeline's name (`github`): health metrics are `collector.<pipeline>.…`.
    public var pipeline: String
    /// The run's clock in whole seconds since the epoch, read once (or `--as-of`).
    public var now: Double
    /// The pipeline's default tags, normalised.
    public var tags: [String]
    public var logger: Logger
    /// Shared by every stage of the run, so the per-host bound and retries hold run-wide.
    public var http: HTTPClient
    /// The fields of this stage's output records that later stages read; a source may drop the rest.
    public var fields: FieldSelection = .all
    /// Identifies this run (`github-1795410000-3f9a`): stored with points and run records.
    public var runID: String = ""
    /// When the run started (wall clock, seconds since the epoch), as opposed to `now`, its clock.
    public var runStartedAt: Double = 0
    /// Seconds that sources reach back beyond their own spans: a backfill fetches once for its
    /// whole range (`since: 7d` then covers 7 days before the range's first step).
    public var lookback: Double = 0
    /// HTTP responses kept between runs (in the state file); nil runs cold (`--no-cache`).
    public var responseCache: ResponseCache?
    /// The run's API request and cache-hit counters, reported as health metrics.
    public var apiUsage: APIUsage = APIUsage()
    /// The environment stages read their configuration from (AWS region, endpoints and
    /// credentials): the process's, unless a test gives its own.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Fires when the run is asked to stop (SIGTERM, SIGINT). Producing stages are cancelled
    /// anyway; a sink waiting on the network watches it to give up within a short grace and exit
    /// before the process is killed. Nil when nothing can stop the run (tools, tests).
    public var stop: StopSignal?

    /// Sends GETs through the response cache (when there is one), counting them in `apiUsage`.
    public func fetcher(isImmutable: @escaping @Sendable (String) -> Bool = { _ in false }) -> ConditionalFetcher {
        ConditionalFetcher(http: http, cache: responseCache, usage: apiUsage, isImmutable: isImmutable)
    }

    public init(stage: String, pipeline: String, now: Double, tags: [String], logger: Logger, http: HTTPClient) {
        self.stage = stage
        self.pipeline = pipeline
        self.now = now
        self.tags = tags
        self.logger = logger
        self.http = http
    }

    /// A gauge at the run's time with the pipeline's tags plus `extraTags`.
    public func point(_ metric: String, _ value: Double, unit: String? = nil, extraTags: [String] = []) -> MetricPoint {
        MetricPoint(metric: metric, value: value, timestamp: Int(now), kind: .gauge, tags: tags + extraTags, unit: unit)
    }
}
