/// Runs a pipeline plan: every stage a child task of one task group, joined by bounded channels.
///
/// A stage that throws is recorded as failed; its channels end with a failure mark, so the
/// aggregations below it emit nothing while the stages that do not depend on it carry on.
/// Sinks get the run's health metrics once every other stage has finished.
public struct Executor: Sendable {
    public var plan: PipelinePlan
    public var now: Double
    public var logger: Logger
    public var http: HTTPClient
    /// Batches an edge may hold before its sender waits.
    public var channelCapacity = 16
    /// A clock for the duration metric.
    public var clock: @Sendable () -> Double = Timestamp.now

    public init(plan: PipelinePlan, now: Double, logger: Logger, http: HTTPClient) {
        self.plan = plan
        self.now = now.rounded(.down)
        self.logger = logger
        self.http = http
    }

    public func run() async -> RunReport {
        let started = clock()
        let sinks = Set(plan.stages.filter(\.isSink).map(\.name))
        // Every stage with inputs has one inbound channel; sinks get one more producer: the health report.
        var inbound: [String: BoundedChannel] = [:]
        for stage in plan.stages where !stage.inputs.isEmpty {
            let producers = stage.inputs.count + (stage.isSink ? 1 : 0)
            inbound[stage.name] = BoundedChannel(capacity: channelCapacity, producers: producers)
        }
        let counter = PointCounter()
        let nonSinkCount = plan.stages.count - sinks.count

        var outcomes: [String: RunReport.Outcome] = [:]
        var sinkFailures: [String: String] = [:]
        var healthSent = false
        let snapshotInbound = inbound

        func sendHealth(_ outcomes: [String: RunReport.Outcome]) async {
            var report = RunReport(
                outcomes: outcomes, sinkFailures: [:], metricCount: counter.count, durationSeconds: clock() - started)
            report.durationSeconds = max(0, report.durationSeconds)
            let points = HealthMetrics.points(for: report, pipeline: plan.name, tags: plan.tags, timestamp: Int(now))
            for sink in sinks {
                guard let channel = snapshotInbound[sink] else { continue }
                await channel.send(points.map(Item.point))
                channel.finish()
            }
        }

        let selections = plan.fieldSelections()
        await withTaskGroup(of: (String, RunReport.Outcome).self) { group in
            for stage in plan.stages {
                let downstream = plan.consumers(of: stage.name)
                let output = Output(
                    channels: downstream.compactMap { snapshotInbound[$0.name] },
                    pointCounter: downstream.contains(where: \.isSink) ? counter : nil)
                var context = StageContext(
                    stage: stage.name, pipeline: plan.name, now: now, tags: plan.tags,
                    logger: logger.with(label: stage.name), http: http)
                context.fields = selections[stage.name] ?? .all
                let input = snapshotInbound[stage.name]
                group.addTask {
                    let outcome = await Self.runStage(stage, input: input, output: output, context: context)
                    // Release upstream senders and tell downstream how this stage ended.
                    input?.close()
                    let failedMark: String? =
                        switch outcome {
                        case .finished: nil
                        case .failed, .skipped, .cancelled: stage.name
                        }
                    for channel in output.channels { channel.finish(failedStage: failedMark) }
                    return (stage.name, outcome)
                }
            }
            if nonSinkCount == 0 {
                healthSent = true
                await sendHealth(outcomes)
            }
            for await (name, outcome) in group {
                outcomes[name] = outcome
                switch outcome {
                case .failed(let message):
                    if sinks.contains(name) {
                        sinkFailures[name] = message
                        logger.error("sink \(name) could not deliver: \(message)")
                    } else {
                        logger.error("stage \(name) failed: \(message)")
                    }
                case .skipped(let upstream):
                    logger.warning("stage \(name) emitted nothing: upstream \(upstream.joined(separator: ", ")) failed")
                case .cancelled, .finished:
                    break
                }
                let nonSinksDone = outcomes.keys.filter { !sinks.contains($0) }.count
                if !healthSent, nonSinksDone == nonSinkCount {
                    healthSent = true
                    await sendHealth(outcomes.filter { !sinks.contains($0.key) })
                }
            }
        }
        return RunReport(
            outcomes: outcomes, sinkFailures: sinkFailures, metricCount: counter.count,
            durationSeconds: clock() - started)
    }

    static func runStage(
        _ stage: PipelinePlan.Stage, input: BoundedChannel?, output: Output, context: StageContext
    ) async -> RunReport.Outcome {
        do {
            switch stage.runtime {
            case .source(let source):
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
