import Foundation

/// Runs a pipeline plan: every stage a child task of one task group, joined by bounded channels.
///
/// A stage that throws is recorded as failed; its channels end with a failure mark, so the
/// aggregations below it emit nothing while the stages that do not depend on it carry on.
/// Sinks get the run's health metrics once every other stage has finished.
public struct Executor: Sendable {
    public var plan: PipelinePlan
    public var now: Double
    public var logger: Logger
    /// What the stages may ask for (`StageContext.service(_:)`): the HTTP client, the response
    /// cache; each provider sets its service up per stage.
    public var services: [any StageServiceProvider]
    /// The environment stages read their configuration from: the process's, unless a test gives its own.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Batches an edge may hold before its sender waits.
    public var channelCapacity = 16
    /// A clock for the duration metric.
    public var clock: @Sendable () -> Double = Timestamp.now
    /// Identifies the run in stored points and run records.
    public var runID: String
    /// Seconds sources reach back beyond their spans (backfill; see `SourceCache`).
    public var lookback: Double = 0
    /// When set, sources replay what they emitted in an earlier run of the same backfill.
    public var sourceCache: SourceCache?
    /// Counts the run's API requests and cache hits for the health metrics.
    public var apiUsage = APIUsage()
    /// The watchdog: a run whose stages make no progress for this long (no batch sent, no HTTP
    /// answer, no stage finished) is stopped as SIGTERM would stop it, its waiting stages failed
    /// with what they wait on; nil turns it off. Far above any single wait the HTTP client allows
    /// itself by default (a 30 s attempt, a 60 s rate-limit wait), far under a CronJob's deadline.
    public var stallTimeout: Duration? = .seconds(180)
    /// When set, bounds every request of the run, and when it passes the producing stages stop
    /// as on SIGTERM; the sinks get `sinkGrace` more to deliver (see `Executor+Deadline.swift`).
    public var deadline: Deadline?
    /// How long past the deadline the sinks may go on delivering before they are stopped too.
    public var sinkGrace: Duration = Self.standardSinkGrace

    public init(plan: PipelinePlan, now: Double, logger: Logger, services: [any StageServiceProvider] = []) {
        self.plan = plan
        self.now = now.rounded(.down)
        self.logger = logger
        self.services = services
        self.runID = RunFacts.newID(pipeline: plan.name, now: now)
    }

    public func run() async -> RunReport { await run(stoppingOn: StopSignal()) }

    /// Runs the plan; when `stop` fires (SIGTERM), the stages that produce stop, while the sinks
    /// deliver what reached them and the health metrics (with `failed`): a CronJob killed at its
    /// deadline still reports that it was.
    public func run(stoppingOn stop: StopSignal) async -> RunReport {
        let started = clock()
        let producers = plan.stages.filter { !$0.isSink }
        let sinks = plan.stages.filter(\.isSink)
        // Every stage with inputs has one inbound channel; sinks get one more producer: the health report.
        var inbound: [String: BoundedChannel] = [:]
        for stage in plan.stages where !stage.inputs.isEmpty {
            let producerCount = stage.inputs.count + (stage.isSink ? 1 : 0)
            inbound[stage.name] = BoundedChannel(capacity: channelCapacity, producers: producerCount)
        }
        let channels = inbound
        let counter = PointCounter()
        let selections = plan.fieldSelections()

        let activity = RunActivity()
        let facts = RunFacts(
            pipeline: plan.name, id: runID, now: now, startedAt: started, lookback: lookback, tags: plan.tags)

        func start(_ stage: PipelinePlan.Stage, in group: inout TaskGroup<StageEvent>) {
            let downstream = plan.consumers(of: stage.name)
            let output = Output(
                channels: downstream.compactMap { channels[$0.name] },
                pointCounter: downstream.contains(where: \.isSink) ? counter : nil)
            let context = StageContext(
                stage: stage.name, run: facts, logger: logger.with(label: stage.name), services: services(for: stage),
                environment: environment, fields: selections[stage.name] ?? .all, stop: stop)
            let cache = sourceCache
            let input = channels[stage.name]
            group.addTask {
                let outcome = await RunActivity.$current.withValue(activity) {
                    await RunActivity.$stage.withValue(stage.name) {
                        await Self.runStage(stage, input: input, output: output, context: context, cache: cache)
                    }
                }
                activity.progressed()
                // Release upstream senders and tell downstream how this stage ended.
                input?.close()
                let failedMark: String? =
                    switch outcome {
                    case .finished, .finishedWithError: nil
                    case .failed, .skipped, .cancelled: stage.name
                    }
                for channel in output.channels { channel.finish(failedStage: failedMark) }
                return .finished(stage.name, outcome)
            }
        }

        func log(_ name: String, _ outcome: RunReport.Outcome, isSink: Bool) {
            switch outcome {
            case .failed(let message) where isSink: logger.error("sink \(name) could not deliver: \(message)")
            case .failed(let message): logger.error("stage \(name) failed: \(message)")
            case .skipped(let upstream):
                logger.warning("stage \(name) emitted nothing: upstream \(upstream.joined(separator: ", ")) failed")
            case .cancelled: break  // listed once, after the stages ended
            case .finishedWithError(let message): logger.error("\(isSink ? "sink" : "stage") \(name): \(message)")
            case .finished: break
            }
        }

        let timeUp = StopSignal()

        /// Runs every stage but the sinks, then hands the health metrics to the sinks.
        func produce() async -> (outcomes: [String: RunReport.Outcome], stalled: Bool) {
            var outcomes: [String: RunReport.Outcome] = [:]
            var stall: (RunActivity.Stall, ContinuousClock.Instant)?
            await withTaskGroup(of: StageEvent.self) { group in
                group.addTask {
                    await stop.wait()
                    return .stopped
                }
                if let stallTimeout {
                    group.addTask {
                        guard let stall = await activity.watch(limit: stallTimeout) else { return .stopped }
                        return .stalled(stall)
                    }
                }
                if let deadline {
                    group.addTask {
                        await Self.wait(until: deadline, thenFire: timeUp)
                        return .stopped
                    }
                }
                for stage in producers { start(stage, in: &group) }
                var running = producers.map(\.name)
                var stopping = false
                if running.isEmpty { group.cancelAll() }
                while let event = await group.next() {
                    switch event {
                    case .stopped:
                        guard !running.isEmpty, !stopping else { continue }
                        stopping = true
                        if let deadline, timeUp.isFired {
                            logger.error(Self.deadlineMessage(deadline, stillRunning: running, sinkGrace: sinkGrace))
                        } else {
                            logger.warning("stopping: \(running.count) stages still running")
                        }
                        group.cancelAll()
                    case .stalled(let found):
                        guard !running.isEmpty, !stopping else { continue }
                        stopping = true
                        stall = (found, activity.now)
                        logger.error(
                            "no progress for \(TimeText.seconds(found.idle)) (the watchdog's limit is "
                                + "\(TimeText.seconds(stallTimeout ?? .zero))): stopping the \(running.count) stages still running"
                        )
                        group.cancelAll()
                    case .finished(let name, var outcome):
                        // The stages waiting on a request are what the run waits on; when none
                        // is, every stage still running is a suspect.
                        if let (found, at) = stall, outcome == .cancelled,
                            found.waits.isEmpty || found.waits.contains(where: { $0.stage == name })
                        {
                            outcome = .failed(
                                "stopped by the watchdog after \(TimeText.seconds(found.idle)) without progress, "
                                    + found.describe(stage: name, now: at))
                        }
                        outcomes[name] = outcome
                        log(name, outcome, isSink: false)
                        running.removeAll { $0 == name }
                        if running.isEmpty { group.cancelAll() }  // ends the watchers
                    }
                }
            }
            let stopped = outcomes.filter { $0.value == .cancelled }.keys.sorted()
            if !stopped.isEmpty {
                logger.warning("stopped before they finished: \(stopped.joined(separator: ", "))")
            }
            var report = RunReport(
                outcomes: outcomes, sinkFailures: [:], metricCount: counter.count,
                durationSeconds: max(0, clock() - started))
            report.stalled = stall != nil
            report.deadlineReached = timeUp.isFired
            let points = HealthMetrics.points(
                for: report, pipeline: plan.name, tags: plan.tags, timestamp: Int(now), apiUsage: apiUsage.counts)
            for sink in sinks {
                guard let channel = channels[sink.name] else { continue }
                await channel.send(points.map(Item.point))
                channel.finish()
            }
            return (outcomes, stall != nil)
        }

        var outcomes: [String: RunReport.Outcome] = [:]
        var sinkFailures: [String: String] = [:]
        var stalled = false
        let graceOver = StopSignal()
        await withTaskGroup(of: StageEvent.self) { group in
            for sink in sinks { start(sink, in: &group) }
            if let deadline {
                group.addTask {
                    await Self.wait(until: deadline.extended(by: sinkGrace), thenFire: graceOver)
                    return .stopped
                }
            }
            let (stageOutcomes, stageStall) = await produce()
            outcomes.merge(stageOutcomes) { $1 }
            stalled = stageStall
            var delivering = sinks.map(\.name)
            if delivering.isEmpty { group.cancelAll() }
            while let event = await group.next() {
                guard case .finished(let name, let reported) = event else {
                    if !delivering.isEmpty, graceOver.isFired, let deadline {
                        logger.error(
                            "sinks \(delivering.joined(separator: ", ")) still delivering \(TimeText.seconds(sinkGrace)) "
                                + "after \(deadline): stopping them")
                        group.cancelAll()
                    }
                    continue
                }
                var outcome = reported
                if outcome == .cancelled, graceOver.isFired {
                    outcome = .failed(
                        "stopped \(TimeText.seconds(sinkGrace)) after the run's deadline, before it delivered everything")
                }
                outcomes[name] = outcome
                log(name, outcome, isSink: true)
                if case .failed(let message) = outcome { sinkFailures[name] = message }
                delivering.removeAll { $0 == name }
                if delivering.isEmpty { group.cancelAll() }  // ends the grace timer
            }
        }
        var report = RunReport(
            outcomes: outcomes, sinkFailures: sinkFailures, metricCount: counter.count,
            durationSeconds: clock() - started)
        report.stalled = stalled
        report.deadlineReached = timeUp.isFired
        return report
    }

    /// What a child task of the run's task groups reports.
    enum StageEvent: Sendable {
        case finished(String, RunReport.Outcome)
        /// A stop (the signal, the deadline, the end of the sinks' grace) fired, or a watcher
        /// ended with the run.
        case stopped
        case stalled(RunActivity.Stall)
    }

    static func runStage(
        _ stage: PipelinePlan.Stage, input: BoundedChannel?, output: Output, context: StageContext, cache: SourceCache? = nil
    ) async -> RunReport.Outcome {
        do {
            switch stage.runtime {
            case .source(let plain):
                let source: any Source = cache.map { CachedSource(source: plain, stage: stage.name, cache: $0) } ?? plain
                if let input {
                    try await runParameterised(source, input: input, output: output, context: context, limit: stage.concurrency)
                } else {
                    try await source.run(input: nil, output: output, context: context)
                }
            case .batch(let transform):
                guard let input else { return .finished }
                while let batch = try await input.next() {
                    var out: [Item] = []
                    out.reserveCapacity(batch.count)
                    try transform.transform(batch, into: &out, context: context)
                    await output.send(out)
                }
            case .aggregation(let aggregation):
                guard let input else { return .finished }
                var accumulator = aggregation.makeAccumulator(context: context)
                while let batch = try await input.next() { try accumulator.add(batch) }
                await output.send(try accumulator.finish())
            case .sink(let sink):
                guard let input else { return .finished }
                try await sink.run(points: PointStream(channel: input), context: context)
            }
            try Task.checkCancellation()
            return .finished
        } catch let failure as UpstreamFailure {
            return .skipped(upstream: failure.stages)
        } catch is CancellationError {
            return .cancelled
        } catch let error as SinkStateError {
            return .finishedWithError(Self.oneLine(error))
        } catch {
            return .failed(Self.oneLine(error))
        }
    }

    /// Runs `source` once per input record, at most `limit` at a time.
    static func runParameterised(
        _ source: any Source, input: BoundedChannel, output: Output, context: StageContext, limit: Int
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            while let batch = try await input.next() {
                for record in batch.compactMap(\.record) {
                    if running >= max(1, limit) {
                        try await group.next()
                        running -= 1
                    }
                    group.addTask { try await source.run(input: record, output: output, context: context) }
                    running += 1
                }
            }
            try await group.waitForAll()
        }
    }

    /// Errors are shown to users as one line.
    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
