import Foundation
import HTTP
import Pipeline
import Storage

/// `datadog`: delivers points to Datadog's metrics intake (`POST {base}/api/v2/series`), through
/// an outbox, so that a point it received is delivered or still waiting, never lost.
///
/// A run goes like this:
/// 1. Every point that arrives is checked (a metric name Datadog would rewrite, a value JSON cannot
///    carry), its tags are normalised with Datadog's rules, and it is written to the outbox (an
///    SQLite table in the state database, destination `datadog:` + base URL) before anything is sent.
/// 2. When the input ends, the sink sends this pipeline's outbox oldest first, so a backlog left by
///    an earlier failed run goes before this run's points; each request stays under Datadog's
///    limits (`DatadogLimits`), and a batch leaves the outbox only after Datadog answered 202.
/// 3. Points Datadog would accept but drop (older than an hour without `historical: true`, or more
///    than ten minutes ahead) stay in the outbox unsent, with one warning per run that says which.
/// 4. If Datadog cannot take what remains (an outage outlasting `retry_for`, a rejected key), the
///    points stay in the outbox and the sink throws `SinkDeliveryError`: the run exits 3 and the
///    next run sends them first.
///
/// Answers: 202 → removed from the outbox. 408, 429, 5xx and network errors → retried by
/// `HTTPClient` (backoff with full jitter, `Retry-After`) within the run's `retry_for`. 400 → not
/// retried: Datadog's `errors` are reported, the batch stays in the outbox and the others still go.
/// 413 → the batch is halved and each half sent. 401/403 → the run stops at once: "Datadog rejected
/// the API key (403): check DD_API_KEY and DD_SITE".
///
/// ## Why a crash cannot lose points, and at worst re-sends identical ones
///
/// The outbox is a committed SQLite write (WAL journal): once `enqueue` returns, the point survives
/// the process being killed. The order of events for a batch is: enqueue (committed) → POST →
/// Datadog answers 202 → remove the batch's rows (committed). A `kill -9` can land between any two:
/// - before the POST, or while it is in flight: the rows are still there; the next run sends them;
/// - after Datadog stored the points but before the removal committed: the rows are still there too,
///   so the next run sends those points a second time.
///
/// Nothing is removed before a 202, so nothing is lost. What a re-send carries is identical to what
/// was sent: the row holds the point as it was enqueued (metric, canonical tags, timestamp, value,
/// type, unit), and the outbox upserts on (destination, pipeline, metric, tags, timestamp), so one
/// series has one row per timestamp and its value is the latest one enqueued. Datadog keeps one
/// value per series and timestamp (the last write wins), so storing an identical point twice
/// changes nothing. The same holds when the run is stopped (SIGTERM, the CronJob's deadline) or
/// the network fails after the request was sent.
public struct DatadogSink: Sink, CustomStringConvertible, CustomReflectable {
    public struct Options: Decodable, Sendable {
        /// The Datadog API key; default `$DD_API_KEY`. Prefer the environment (a Kubernetes Secret)
        /// to writing it in the file. Never logged, never in an error.
        public var apiKey: String?
        /// The Datadog site: `datadoghq.com` (default, or `$DD_SITE`), `us3.datadoghq.com`,
        /// `us5.datadoghq.com`, `datadoghq.eu`, `ap1.datadoghq.com`, `ap2.datadoghq.com`,
        /// `ddog-gov.com`, `us2.ddog-gov.com`, `uk1.datadoghq.com`.
        public var site: String?
        /// A base URL replacing the site's (`https://api.datadoghq.com`); default `$DD_URL`, which
        /// also overrides `site`. For a proxy, or a fake intake in tests.
        public var url: String?
        /// `gzip` (default), `deflate` or `none`.
        public var compression: DatadogCompression?
        /// How long one run keeps retrying a failing Datadog (`30s` by default, e.g. `2m`); then
        /// the points stay in the outbox for the next run.
        public var retryFor: TimeSpan?
        /// Send points older than an hour. Only with Datadog's Historical Metrics Ingestion enabled
        /// for the metrics: otherwise Datadog answers 202 and drops them.
        public var historical: Bool?
        /// The state database holding the outbox; default `Outbox.defaultPath(environment:)`.
        public var state: String?
        /// `false` sends points as they arrive without the outbox: for a replay, whose points
        /// are kept in SQLite already (rerun the replay if Datadog could not take them).
        public var outbox: Bool?
        /// After SIGTERM (SIGINT), how long the sink may still wait for Datadog before it gives
        /// up and leaves the rest in the outbox (`10s` by default; Kubernetes kills the pod 30 s
        /// after SIGTERM unless `terminationGracePeriodSeconds` says otherwise). No retry is made
        /// after the signal.
        public var stopGrace: TimeSpan?

        public init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            apiKey = try reader.optional("api_key")
            site = try reader.optional("site")
            url = try reader.optional("url")
            compression = try reader.optional("compression")
            retryFor = try reader.optional("retry_for")
            historical = try reader.optional("historical")
            state = try reader.optional("state")
            outbox = try reader.optional("outbox")
            stopGrace = try reader.optional("stop_grace")
        }
    }

    public static let kind = StageKind.sink(
        "datadog", summary: "send points to Datadog (POST /api/v2/series), keeping in an outbox what could not be sent",
        options: Options.self, example: ["site": "datadoghq.com", "compression": "gzip", "retry_for": "30s"],
        optionDocs: [
            "api_key": "Datadog API key (default $DD_API_KEY)",
            "site": "Datadog site, e.g. datadoghq.eu (default $DD_SITE, else datadoghq.com)",
            "url": "base URL replacing the site's, for a proxy or a fake intake (default $DD_URL)",
            "compression": "gzip, deflate or none (default gzip)",
            "retry_for": "how long a run keeps retrying a failing Datadog (default 30s)",
            "historical": "send points older than an hour; needs Historical Metrics Ingestion (default false)",
            "state": "state database holding the outbox (default: the outbox's default path)",
            "outbox": "false sends points without the outbox, for a replay (default true)",
            "stop_grace": "after SIGTERM, how long to keep waiting for Datadog (default 10s)",
        ]
    ) { options, environment in
        do {
            return DatadogSink(configuration: try Configuration(options: options, environment: environment))
        } catch let error as DatadogConfigurationError {
            throw OptionsDecoder.Failure(path: [error.option], message: error.message)
        }
    }

    /// Everything a run needs, resolved from the options and the environment. Printing it (or
    /// `dump`) shows whether a key is set, never the key.
    public struct Configuration: Sendable, CustomStringConvertible, CustomReflectable {
        public var endpoint: DatadogEndpoint
        /// Nil or empty: the run keeps its points in the outbox and fails with a message.
        public var apiKey: String?
        /// `DD_APP_KEY`: with it, the sink sets its metrics' metadata (`DatadogMetadataSync`).
        public var appKey: String?
        public var compression: DatadogCompression
        public var retryFor: Duration
        public var historical: Bool
        public var statePath: String
        /// Points go through the outbox (the default), or straight to Datadog (`outbox: false`).
        public var usesOutbox = true
        public var limits: DatadogLimits
        /// The timeout of one attempt; nil uses the run's `HTTPClient` setting.
        public var requestTimeout: Duration?
        /// Points read from the outbox at a time.
        public var pageSize: Int
        /// Wall-clock seconds since the epoch, which ages points (Datadog's "one hour" is real
        /// time, not the run's `--as-of` clock); tests inject one.
        public var wallClock: @Sendable () -> Double
        /// After the run is asked to stop, how long the sink may still wait for Datadog.
        public var stopGrace: Duration = DatadogSink.defaultStopGrace

        public init(
            endpoint: DatadogEndpoint, apiKey: String?, statePath: String, compression: DatadogCompression = .gzip,
            retryFor: Duration = .seconds(30), historical: Bool = false, limits: DatadogLimits = .datadog,
            requestTimeout: Duration? = nil, pageSize: Int = 10_000,
            wallClock: @escaping @Sendable () -> Double = { Timestamp.now() }
        ) {
            self.endpoint = endpoint
            self.apiKey = apiKey
            self.statePath = statePath
            self.compression = compression
            self.retryFor = retryFor
            self.historical = historical
            self.limits = limits
            self.requestTimeout = requestTimeout
            self.pageSize = max(1, pageSize)
            self.wallClock = wallClock
        }

        public var description: String {
            "datadog(\(endpoint), key \(apiKey?.isEmpty == false ? "set" : "missing"), \(compression.rawValue), "
                + "retry_for \(HTTPDuration.text(retryFor)), historical \(historical), state \(statePath))"
        }

        public var customMirror: Mirror { Mirror(self, children: ["description": description]) }

        /// Resolves the options: explicit values first, then `DD_API_KEY`, `DD_URL`, `DD_SITE`.
        public init(options: Options, environment: [String: String]) throws(DatadogConfigurationError) {
            let endpoint = try DatadogEndpoint.resolve(url: options.url, site: options.site, environment: environment)
            let retryFor = options.retryFor.map { $0.seconds } ?? 30
            guard retryFor >= 0, retryFor <= 3600 else {
                throw DatadogConfigurationError(
                    option: "retry_for", message: "must be between 0s and 1h, got \(options.retryFor?.text ?? "")")
            }
            self.init(
                endpoint: endpoint, apiKey: options.apiKey ?? environment["DD_API_KEY"],
                statePath: options.state ?? Outbox.defaultPath(environment: environment),
                compression: options.compression ?? .gzip, retryFor: .milliseconds(Int64(retryFor * 1000)),
                historical: options.historical ?? false)
            usesOutbox = options.outbox ?? true
            appKey = environment["DD_APP_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            if let grace = options.stopGrace {
                guard grace.seconds >= 0, grace.seconds <= 300 else {
                    throw DatadogConfigurationError(
                        option: "stop_grace", message: "must be between 0s and 5m, got \(grace.text)")
                }
                stopGrace = .milliseconds(Int64(grace.seconds * 1000))
            }
        }
    }

    public let configuration: Configuration
    /// Where the run records what it delivered, for a command's closing line; nil for none.
    public var tally: DatadogTally?

    public init(configuration: Configuration, tally: DatadogTally? = nil) {
        self.configuration = configuration
        self.tally = tally
    }

    /// `stop_grace` by default: a third of the 30 s Kubernetes leaves between SIGTERM and SIGKILL.
    public static let defaultStopGrace: Duration = .seconds(10)

    public var description: String { configuration.description }
    public var customMirror: Mirror { configuration.customMirror }

    /// Nil when Datadog stores `name` as written; otherwise why not and a name that works
    /// (names start with a letter, contain only ASCII letters, digits, `_` and `.`, and have at
    /// most 200 characters). Pipelines are checked with it when they load.
    public static func checkMetricName(_ name: String) -> String? { MetricName.check(name) }

    /// Datadog drops points older than an hour (unless Historical Metrics Ingestion is enabled);
    /// the sink holds back points older than 58 minutes, leaving two for retries and clock skew.
    public static let maxPointAge: Double = 58 * 60
    /// Datadog drops points more than ten minutes ahead; the sink holds back those over nine.
    public static let maxPointLead: Double = 9 * 60

    public func run(points: PointStream, context: StageContext) async throws {
        try await run(batches: points, context: context)
    }

    /// Delivers `points` as if they had arrived on the sink's input (tools and tests).
    public func deliver(_ points: [MetricPoint], context: StageContext) async throws {
        try await run(batches: OneBatch(points: points), context: context)
    }

    /// The sink's run over any sequence of point batches.
    public func run<Batches: AsyncSequence>(batches: Batches, context: StageContext) async throws
    where Batches.Element == [MetricPoint] {
        guard configuration.usesOutbox else { return try await runDirect(batches: batches, context: context) }
        let log = DatadogLog(logger: context.logger, stage: context.stage)
        let destination = configuration.endpoint.outboxDestination
        let path = configuration.statePath
        // Delivery problems fail the run with exit 3; state problems (points delivered, but the
        // state file failed) with exit 1.
        var problems: [String] = []
        var stateProblems: [String] = []

        // 1. Into the outbox, before anything is sent.
        let opened = openOutbox(log: log)
        var outbox = opened.outbox
        if let problem = opened.setAside { stateProblems.append(problem) }
        var outboxError = opened.error
        var backlog = 0
        if let open = outbox {
            do {
                backlog = try open.count(pipeline: context.run.pipeline, destination: destination)
            } catch {
                log.warning("cannot count the outbox's points from earlier runs: \(error)")
            }
        }
        var intake = DatadogIntake()
        let memory = MemoryQueue()
        func keep(_ accepted: [MetricPoint]) {
            guard !accepted.isEmpty else { return }
            if let open = outbox {
                do {
                    try open.enqueue(accepted, pipeline: context.run.pipeline, destination: destination)
                    return
                } catch {
                    log.error(
                        "cannot write to the outbox at \(path) (\(error)): the rest of this run's points are sent "
                            + "without it")
                    outboxError = "cannot write to the outbox at \(path) (\(error))"
                    outbox = nil
                }
            }
            memory.append(accepted)
        }
        // The run's health metrics arrive last, from the executor: the survey below goes with them.
        let healthMarker = "collector.\(context.run.pipeline).duration_seconds"
        var sawHealthMetrics = false
        for try await batch in batches {
            if !sawHealthMetrics { sawHealthMetrics = batch.contains { $0.metric == healthMarker } }
            keep(intake.accept(batch))
        }

        // What no run sends unless someone acts: said on every run, and measured.
        if let open = outbox {
            let stranded = DatadogStranded.survey(
                outbox: open, pipeline: context.run.pipeline, destination: destination, configuration: configuration,
                log: log)
            let warnings = stranded.warnings(
                pipeline: context.run.pipeline, destination: destination, statePath: path, except: opened.setAsidePath,
                environment: context.environment)
            for warning in warnings { log.warning(warning) }
            if sawHealthMetrics { keep(intake.accept(stranded.points(context: context))) }
        }
        problems += intake.report(log)

        // 2. Out of the outbox, oldest first.
        guard let apiKey = configuration.apiKey, !apiKey.isEmpty else {
            let waiting = (try? outbox?.count(pipeline: context.run.pipeline, destination: destination)) ?? 0
            throw SinkDeliveryError(
                "no Datadog API key: set DD_API_KEY or the datadog sink's api_key option"
                    + (waiting > 0 ? "; \(waiting) points wait in the outbox (\(path)) for a run that has one" : "")
                    + (memory.count > 0 ? "; \(memory.count) points could not be kept and are lost" : ""))
        }
        if backlog > 0 {
            log.info("\(backlog) points from earlier runs wait in the outbox; sending them first")
        }
        let (http, made) = try makeDelivery(apiKey: apiKey, context: context, log: log)
        defer { http.shutdown() }
        var delivery = made
        if let outbox {
            try await delivery.drain(OutboxQueue(outbox: outbox, pipeline: context.run.pipeline, destination: destination))
        }
        if memory.count > 0, delivery.stopReason == nil {
            try await delivery.drain(memory)
        }
        delivery.reportHeldBack(statePath: path)
        tally?.record(
            DatadogTally.Counts(
                received: intake.accepted, delivered: delivery.deliveredPoints, heldBack: delivery.heldBackPoints,
                refused: delivery.refusedPoints))

        // Then what the metrics are (unit, description), where it changed, once the points are in.
        if let appKey = configuration.appKey, delivery.stopReason == nil {
            let store = outbox.map { MetricMetadataStore(database: $0.database) }
            await DatadogMetadataSync(endpoint: configuration.endpoint, apiKey: apiKey, appKey: appKey, store: store)
                .sync(context.run.metrics, http: http, log: log)
        }

        // 3. The verdict.
        let remaining = (try? outbox?.count(pipeline: context.run.pipeline, destination: destination)) ?? 0
        var summary =
            "sent \(delivery.deliveredPoints) points in \(delivery.acceptedRequests) requests to \(configuration.endpoint)"
        if remaining > 0 { summary += "; \(remaining) points stay in the outbox" }
        log.info(summary)
        if let stop = delivery.stopReason { problems.insert(stop, at: 0) }
        problems += delivery.problems
        let lost = memory.count - memory.delivered - memory.refused
        if let outboxError {
            if lost > 0 {
                problems.append("\(outboxError): \(lost) points could not be kept and are lost")
            } else if memory.count > 0 {
                stateProblems.append(
                    "delivered this run's \(memory.delivered) points without the outbox: \(outboxError), so they were "
                        + "not protected against a Datadog outage, and points queued there by earlier runs were not "
                        + "sent; make the state directory (PIPELINE_STATE_DIR, or the sink's state option) writable")
            } else {
                stateProblems.append(
                    "\(outboxError): points queued there by earlier runs were not sent, and a Datadog outage would "
                        + "lose this run's points; make the state directory (PIPELINE_STATE_DIR, or the sink's state "
                        + "option) writable")
            }
        }
        if let removalError = delivery.removalError {
            stateProblems.append(
                "delivered \(delivery.deliveredPoints) points, but \(delivery.unremovedPoints) of them could not be "
                    + "removed from the outbox (\(removalError)): the next run sends them again, which Datadog stores "
                    + "once; check that the state file and its directory are writable")
        }
        if !problems.isEmpty {
            var message = (problems + stateProblems).joined(separator: "; ")
            if remaining > 0 { message += "; \(remaining) points wait in the outbox (\(path)) and go first next run" }
            throw SinkDeliveryError(message)
        }
        if !stateProblems.isEmpty { throw SinkStateError(stateProblems.joined(separator: "; ")) }
    }

    /// A delivery with its own HTTP client, whose retries draw on this run's `retry_for` budget.
    private func makeDelivery(apiKey: String, context: StageContext, log: DatadogLog) throws -> (HTTPClient, DatadogDelivery) {
        let base = try context.http.configuration
        let standardTimeout = configuration.requestTimeout ?? base.requestTimeout
        let budget = DatadogRetryBudget(
            limit: configuration.retryFor, standardTimeout: standardTimeout, stop: context.stop,
            stopGrace: configuration.stopGrace, sleep: base.sleep)
        let http = HTTPClient(
            configuration: Self.clientConfiguration(base, retryFor: configuration.retryFor, budget: budget))
        let delivery = DatadogDelivery(
            client: DatadogClient(endpoint: configuration.endpoint, apiKey: apiKey, http: http),
            configuration: configuration, budget: budget, standardTimeout: standardTimeout, log: log)
        return (http, delivery)
    }

    /// `outbox: false`: each arriving batch goes to Datadog at once, with nothing written locally,
    /// so a replay of a million stored points streams at the intake's pace in bounded memory.
    private func runDirect<Batches: AsyncSequence>(batches: Batches, context: StageContext) async throws
    where Batches.Element == [MetricPoint] {
        let log = DatadogLog(logger: context.logger, stage: context.stage)
        guard let apiKey = configuration.apiKey, !apiKey.isEmpty else {
            throw SinkDeliveryError("no Datadog API key: set DD_API_KEY or the datadog sink's api_key option")
        }
        let (http, made) = try makeDelivery(apiKey: apiKey, context: context, log: log)
        defer { http.shutdown() }
        var delivery = made
        var intake = DatadogIntake()
        var chunk: [MetricPoint] = []
        var received = 0
        func send(_ points: [MetricPoint]) async throws {
            let queue = MemoryQueue()
            queue.append(points)
            try await delivery.drain(queue)
        }
        for try await batch in batches {
            let accepted = intake.accept(batch)
            received += accepted.count
            chunk += accepted
            if chunk.count >= configuration.limits.maxPoints {
                try await send(chunk)
                chunk.removeAll(keepingCapacity: true)
                if delivery.stopReason != nil { break }
            }
        }
        if !chunk.isEmpty, delivery.stopReason == nil { try await send(chunk) }
        delivery.reportHeldBack(statePath: nil)
        log.info("sent \(delivery.deliveredPoints) points in \(delivery.acceptedRequests) requests to \(configuration.endpoint)")
        tally?.record(
            DatadogTally.Counts(
                received: received, delivered: delivery.deliveredPoints, heldBack: delivery.heldBackPoints,
                refused: delivery.refusedPoints))
        var problems = intake.report(log)
        if let stop = delivery.stopReason { problems.insert(stop, at: 0) }
        problems += delivery.problems
        let heldBack = delivery.heldBackPoints
        let unsent = received - delivery.deliveredPoints - heldBack - delivery.refusedPoints
        if heldBack > 0 { problems.append("\(heldBack) points were held back and not sent (the warning above says why)") }
        if unsent > 0 { problems.append("\(unsent) points were not sent (no outbox: run the replay again)") }
        guard !problems.isEmpty else { return }
        throw SinkDeliveryError(problems.joined(separator: "; "))
    }

    /// The outbox, or nil with why (`error`) when the state file cannot be used. A damaged file
    /// is set aside (kept, renamed, for inspection and `pipeline outbox recover`) and a fresh one
    /// started, so one bad file does not fail every run; `setAside` then says where it went with
    /// its queued points, which every later run reports until someone recovers or deletes it.
    private func openOutbox(log: DatadogLog) -> (outbox: Outbox?, setAside: String?, setAsidePath: String?, error: String?) {
        let path = configuration.statePath
        do {
            return (try Outbox(path: path), nil, nil, nil)
        } catch let error as SQLiteError where error.isCorruption {
            do {
                let setAside = try Outbox.setAside(path: path)
                let outbox = try Outbox(path: path)
                let problem =
                    "the outbox at \(path) was damaged (\(error)); it was set aside as \(setAside) with "
                    + StateDatabase.describeQueuedPoints(inSetAside: setAside) + "; a fresh outbox started"
                log.error(problem)
                return (outbox, problem, setAside, nil)
            } catch {
                return unusable(error)
            }
        } catch {
            return unusable(error)
        }

        func unusable(_ error: any Error) -> (Outbox?, String?, String?, String?) {
            log.error("cannot open the outbox at \(path) (\(error)): this run's points are sent without it")
            return (nil, nil, nil, "cannot open the outbox at \(path) (\(error))")
        }
    }

    /// The sink's own client: the run's settings, with retries bounded by `retry_for` for the
    /// whole run rather than per request.
    static func clientConfiguration(
        _ base: HTTPClient.Configuration, retryFor: Duration, budget: DatadogRetryBudget
    ) -> HTTPClient.Configuration {
        var configuration = base
        // The budget decides when to stop (its refusal says how long Datadog kept failing and what
        // the next wait would have been), so the client has no total of its own: 20 attempts
        // outlast 30 s of backoff from 0.5 s (the sleeps add up past 30 s by the 9th), and read
        // better in the log than a huge number. 0s means none.
        configuration.retry = RetryPolicy(
            maxAttempts: retryFor > .zero ? 20 : 1, baseDelay: base.retry.baseDelay,
            maxDelay: min(base.retry.maxDelay, retryFor), maxRateLimitWait: min(base.retry.maxRateLimitWait, retryFor),
            maxTotalWait: nil)
        configuration.sleep = { try await budget.sleep($0) }
        // A recorded or replayed run (`--record`, `pipeline test`) records and replays its sources' exchanges, never deliveries.
        configuration.exchangeHook = nil
        return configuration
    }
}

/// One batch as an async sequence, for `deliver(_:context:)`.
private struct OneBatch: AsyncSequence, Sendable {
    typealias Element = [MetricPoint]
    let points: [MetricPoint]

    struct AsyncIterator: AsyncIteratorProtocol {
        var points: [MetricPoint]?
        mutating func next() async -> [MetricPoint]? {
            defer { points = nil }
            return points
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(points: points) }
}

/// Checks the points that arrive: the ones Datadog could not store as written do not enter the outbox.
struct DatadogIntake {
    private(set) var accepted = 0
    private var nonFinite = 0
    private var nonFiniteMetrics: [String] = []
    private var badNames: [String: Int] = [:]
    private var nameChecks: [String: Bool] = [:]

    /// The points to enqueue, tags in canonical form.
    mutating func accept(_ batch: [MetricPoint]) -> [MetricPoint] {
        var out: [MetricPoint] = []
        out.reserveCapacity(batch.count)
        for var point in batch {
            let nameIsValid: Bool
            if let known = nameChecks[point.metric] {
                nameIsValid = known
            } else {
                nameIsValid = MetricName.check(point.metric) == nil
                nameChecks[point.metric] = nameIsValid
            }
            guard nameIsValid else {
                badNames[point.metric, default: 0] += 1
                continue
            }
            guard point.value.isFinite else {
                nonFinite += 1
                if nonFiniteMetrics.count < 5, !nonFiniteMetrics.contains(point.metric) {
                    nonFiniteMetrics.append(point.metric)
                }
                continue
            }
            point.tags = DatadogPayload.canonicalTags(point.tags)
            out.append(point)
        }
        accepted += out.count
        return out
    }

    /// Logs what was dropped; returns the problems that fail the run.
    func report(_ log: DatadogLog) -> [String] {
        if nonFinite > 0 {
            log.warning(
                "dropped \(nonFinite) points whose value is not a finite number (NaN or infinite), which JSON "
                    + "cannot carry: \(nonFiniteMetrics.joined(separator: ", "))")
        }
        guard !badNames.isEmpty else { return [] }
        let names = badNames.keys.sorted()
        let count = badNames.values.reduce(0, +)
        let first = names.prefix(3).compactMap { MetricName.check($0) }.joined(separator: "; ")
        let problem =
            "dropped \(count) points of \(names.count) metrics whose names Datadog would rewrite: \(first)"
            + (names.count > 3 ? "; and \(names.count - 3) more" : "")
        log.error(problem)
        return [problem]
    }
}

/// The sink's log lines. The stage's logger is labelled with the stage's name already
/// (`warning: out: held back …`): prefixing it again printed `out: out:`.
struct DatadogLog: Sendable {
    let logger: Logger
    let stage: String

    func info(_ message: String) { logger.info(message) }
    func warning(_ message: String) { logger.warning(message) }
    func error(_ message: String) { logger.error(message) }
}
