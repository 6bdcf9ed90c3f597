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
        await Run(executor: self, stop: stop).run()
    }

    /// What a child task of the run's task groups reports.
    enum ChildResult: Sendable {
        /// A stage ended so.
        case finished(String, RunReport.Outcome)
        /// The stop signal fired (SIGTERM).
        case stopRequested
        /// A deadline passed: the run's (producers), or the sinks' grace after it.
        case timeUp
        /// The watchdog found no progress.
        case stalled(RunActivity.Stall)
        /// A watcher ended without its event: the run no longer needs it.
        case watcherEnded
    }

    /// One run of the plan: the state its stages share, and the steps of the run.
    private struct Run: Sendable {
        let executor: Executor
        let stop: StopSignal
        let started: Double
        let producers: [PipelinePlan.Stage]
        let sinks: [PipelinePlan.Stage]
        /// Each stage's inbound channel.
        let channels: [String: BoundedChannel]
        let counter = PointCounter()
        let selections: [String: FieldSelection]
        let activity = RunActivity()
        let facts: RunFacts
        /// Fires when the run's deadline passes.
        let timeUp = StopSignal()
        /// Fires when the sinks' grace after the deadline is over.
        let graceOver = StopSignal()
        /// The producing stages' report, for the sinks (`PointStream.report`).
        let report = RunReportSlot()

        var logger: Logger { executor.logger }

        init(executor: Executor, stop: StopSignal) {
            self.executor = executor
            self.stop = stop
            let plan = executor.plan
            started = executor.clock()
            producers = plan.stages.filter { !$0.isSink }
            sinks = plan.stages.filter(\.isSink)
            channels = Self.makeChannels(plan, capacity: executor.channelCapacity)
            selections = plan.fieldSelections()
            var facts = RunFacts(
                pipeline: plan.name, id: executor.runID, now: executor.now, startedAt: started,
                lookback: executor.lookback, tags: plan.tags)
            facts.metrics = plan.metrics
            self.facts = facts
        }

        /// Every stage with inputs has one inbound channel; sinks get one more producer: the health report.
        static func makeChannels(_ plan: PipelinePlan, capacity: Int) -> [String: BoundedChannel] {
            var inbound: [String: BoundedChannel] = [:]
            for stage in plan.stages where !stage.inputs.isEmpty {
                let producerCount = stage.inputs.count + (stage.isSink ? 1 : 0)
                inbound[stage.name] = BoundedChannel(capacity: capacity, producers: producerCount)
            }
            return inbound
        }

        /// Starts the sinks, runs the producing stages, hands the health metrics to the sinks and
        /// waits for them to deliver.
        func run() async -> RunReport {
            var produced = Produced()
            var delivered = Delivered()
            await withTaskGroup(of: ChildResult.self) { group in
                for sink in sinks { startStage(sink, in: &group) }
                if let deadline = executor.deadline {
                    group.addTask { [graceOver, sinkGrace = executor.sinkGrace] in
                        await Executor.wait(until: deadline.extended(by: sinkGrace), thenFire: graceOver)
                        return graceOver.isFired ? .timeUp : .watcherEnded
                    }
                }
                produced = await produce()
                await deliverHealth(produced)
                delivered = await awaitSinks(in: &group)
            }
            var report = RunReport(
                outcomes: produced.outcomes.merging(delivered.outcomes) { $1 }, sinkFailures: delivered.failures,
                metricCount: counter.count, durationSeconds: executor.clock() - started)
            report.stalled = produced.stall != nil
            report.deadlineReached = timeUp.isFired
            return report
        }

        /// Starts `stage` as a child task of `group`; it reports `.finished` with its outcome.
        func startStage(_ stage: PipelinePlan.Stage, in group: inout TaskGroup<ChildResult>) {
            let downstream = executor.plan.consumers(of: stage.name)
            let output = Output(
                channels: downstream.compactMap { channels[$0.name] },
                pointCounter: downstream.contains(where: \.isSink) ? counter : nil)
            let context = StageContext(
                stage: stage.name, run: facts, logger: logger.with(label: stage.name), services: executor.services(for: stage),
                environment: executor.environment, fields: selections[stage.name] ?? .all, stop: stop)
            let cache = executor.sourceCache
            let input = channels[stage.name]
            group.addTask { [activity] in
                let outcome = await RunActivity.$current.withValue(activity) {
                    await RunActivity.$stage.withValue(stage.name) {
                        await Executor.runStage(
                            stage, input: input, output: output, context: context, cache: cache, report: report)
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

        /// How the producing stages ended.
        struct Produced {
            var outcomes: [String: RunReport.Outcome] = [:]
            /// What the watchdog found, and when, if it stopped the run.
            var stall: (found: RunActivity.Stall, at: ContinuousClock.Instant)?
        }

        /// Runs every stage but the sinks, with the watchers that stop them: the stop signal, the
        /// watchdog, the deadline.
        func produce() async -> Produced {
            var produced = Produced()
            await withTaskGroup(of: ChildResult.self) { group in
                startWatchers(in: &group)
                for stage in producers { startStage(stage, in: &group) }
                var running = producers.map(\.name)
                var stopping = false
                if running.isEmpty { group.cancelAll() }
                while let result = await group.next() {
                    switch result {
                    case .watcherEnded where !Task.isCancelled:
                        continue
                    case .stopRequested, .timeUp, .watcherEnded:
                        // A watcher ending because the run's own task was cancelled stops it as a signal would.
                        guard !running.isEmpty, !stopping else { continue }
                        stopping = true
                        if let deadline = executor.deadline, timeUp.isFired {
                            logger.error(
                                Executor.deadlineMessage(deadline, stillRunning: running, sinkGrace: executor.sinkGrace))
                        } else {
                            logger.warning("stopping: \(running.count) stages still running")
                        }
                        group.cancelAll()
                    case .stalled(let found):
                        guard !running.isEmpty, !stopping else { continue }
                        stopping = true
                        produced.stall = (found, activity.now)
                        logger.error(
                            "no progress for \(TimeText.seconds(found.idle)) (the watchdog's limit is "
                                + "\(TimeText.seconds(executor.stallTimeout ?? .zero))): stopping the \(running.count) "
                                + "stages still running")
                        group.cancelAll()
                    case .finished(let name, let reported):
                        let outcome = blamingStall(reported, of: name, stall: produced.stall)
                        produced.outcomes[name] = outcome
                        log(name, outcome, isSink: false)
                        running.removeAll { $0 == name }
                        if running.isEmpty { group.cancelAll() }  // ends the watchers
                    }
                }
            }
            let stopped = produced.outcomes.filter { $0.value == .cancelled }.keys.sorted()
            if !stopped.isEmpty {
                logger.warning("stopped before they finished: \(stopped.joined(separator: ", "))")
            }
            return produced
        }

        /// The watchers of the producing stages: the stop signal, the watchdog, the deadline.
        func startWatchers(in group: inout TaskGroup<ChildResult>) {
            group.addTask { [stop] in
                await stop.wait()
                return Task.isCancelled ? .watcherEnded : .stopRequested
            }
            if let stallTimeout = executor.stallTimeout {
                group.addTask { [activity] in
                    guard let stall = await activity.watch(limit: stallTimeout) else { return .watcherEnded }
                    return .stalled(stall)
                }
            }
            if let deadline = executor.deadline {
                group.addTask { [timeUp] in
                    await Executor.wait(until: deadline, thenFire: timeUp)
                    return timeUp.isFired ? .timeUp : .watcherEnded
                }
            }
        }

        /// A stage stopped by the watchdog failed, with what it waited on, when it is what the
        /// run waited on: the stages waiting on a request, or, when none is, every stage still running.
        func blamingStall(
            _ outcome: RunReport.Outcome, of name: String, stall: (found: RunActivity.Stall, at: ContinuousClock.Instant)?
        ) -> RunReport.Outcome {
            guard let (found, at) = stall, outcome == .cancelled,
                found.waits.isEmpty || found.waits.contains(where: { $0.stage == name })
            else { return outcome }
            return .failed(
                "stopped by the watchdog after \(TimeText.seconds(found.idle)) without progress, "
                    + found.describe(stage: name, now: at))
        }

        /// Hands the producing stages' report to the sinks (`PointStream.report`), sends them the
        /// run's health metrics and ends their inbound channels.
        func deliverHealth(_ produced: Produced) async {
            var report = RunReport(
                outcomes: produced.outcomes, sinkFailures: [:], metricCount: counter.count,
                durationSeconds: max(0, executor.clock() - started))
            report.stalled = produced.stall != nil
            report.deadlineReached = timeUp.isFired
            self.report.report = report
            let points = HealthMetrics.points(
                for: report, pipeline: executor.plan.name, tags: executor.plan.tags, timestamp: Int(executor.now),
                apiUsage: executor.apiUsage.counts)
            for sink in sinks {
                guard let channel = channels[sink.name] else { continue }
                await channel.send(points.map(Item.point))
                channel.finish()
            }
        }

        /// How the sinks ended.
        struct Delivered {
            var outcomes: [String: RunReport.Outcome] = [:]
            /// Sinks that could not deliver, with their error.
            var failures: [String: String] = [:]
        }

        /// Waits for the sinks started in `group`, stopping them when their grace after the deadline is over.
        func awaitSinks(in group: inout TaskGroup<ChildResult>) async -> Delivered {
            var delivered = Delivered()
            var delivering = sinks.map(\.name)
            if delivering.isEmpty { group.cancelAll() }
            while let result = await group.next() {
                guard case .finished(let name, let reported) = result else {
                    if !delivering.isEmpty, graceOver.isFired, let deadline = executor.deadline {
                        logger.error(
                            "sinks \(delivering.joined(separator: ", ")) still delivering "
                                + "\(TimeText.seconds(executor.sinkGrace)) after \(deadline): stopping them")
                        group.cancelAll()
                    }
                    continue
                }
                var outcome = reported
                if outcome == .cancelled, graceOver.isFired {
                    outcome = .failed(
                        "stopped \(TimeText.seconds(executor.sinkGrace)) after the run's deadline, "
                            + "before it delivered everything")
                }
                delivered.outcomes[name] = outcome
                log(name, outcome, isSink: true)
                if case .failed(let message) = outcome { delivered.failures[name] = message }
                delivering.removeAll { $0 == name }
                if delivering.isEmpty { group.cancelAll() }  // ends the grace timer
            }
            return delivered
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
    }

    /// The failures of a source run per input record, on one line: each different message (the
    /// first three), so that two projects failing for two reasons both show.
    static func inputFailures(_ failures: [String]) -> String {
        var distinct: [String] = []
        for failure in failures where !distinct.contains(failure) { distinct.append(failure) }
        let records = failures.count == 1 ? "an input record" : "\(failures.count) input records"
        let shown = distinct.prefix(3).joined(separator: " | ")
        let more = distinct.count > 3 ? " | and \(distinct.count - 3) more" : ""
        return "failed for \(records): \(shown)\(more)"
    }

    static func runStage(
        _ stage: PipelinePlan.Stage, input: BoundedChannel?, output: Output, context: StageContext, cache: SourceCache? = nil,
        report: RunReportSlot
    ) async -> RunReport.Outcome {
        do {
            switch stage.runtime {
            case .source(let plain):
                let source: any Source = cache.map { CachedSource(source: plain, stage: stage.name, cache: $0) } ?? plain
                if let input {
                    let failures = try await runParameterised(
                        source, input: input, output: output, context: context, limit: stage.concurrency,
                        continueOnError: stage.continueOnInputError)
                    if !failures.isEmpty {
                        try Task.checkCancellation()
                        return .finishedWithError(Self.inputFailures(failures))
                    }
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
                try await sink.run(points: PointStream(channel: input, report: report), context: context)
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

    /// Runs `source` once per input record, at most `limit` at a time. With `continueOnError`, a
    /// run that fails (other than by cancellation) lets the others go on: the failures are returned.
    @discardableResult
    static func runParameterised(
        _ source: any Source, input: BoundedChannel, output: Output, context: StageContext, limit: Int,
        continueOnError: Bool = false
    ) async throws -> [String] {
        try await withThrowingTaskGroup(of: String?.self) { group in
            var running = 0
            var failures: [String] = []
            while let batch = try await input.next() {
                for record in batch.compactMap(\.record) {
                    if running >= max(1, limit) {
                        if let failure = try await group.next() ?? nil { failures.append(failure) }
                        running -= 1
                    }
                    group.addTask {
                        do {
                            try await source.run(input: record, output: output, context: context)
                            return nil
                        } catch let error where continueOnError && !(error is CancellationError) {
                            return oneLine(error)
                        }
                    }
                    running += 1
                }
            }
            while let result = try await group.next() {
                if let failure = result { failures.append(failure) }
            }
            return failures
        }
    }

    /// Errors are shown to users as one line.
    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
