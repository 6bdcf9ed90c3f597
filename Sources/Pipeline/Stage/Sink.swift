import Synchronization

/// A stage that delivers points out of the pipeline: stdout, Datadog, SQLite.
///
/// A sink reads every point that reaches it, including the run's health metrics, and keeps
/// delivering when some upstream stage failed: the other stages' metrics still count.
public protocol Sink: Sendable {
    func run(points: PointStream, context: StageContext) async throws
}

/// Batches of points arriving at a sink, until every upstream stage has finished.
public struct PointStream: AsyncSequence, Sendable {
    public typealias Element = [MetricPoint]
    let channel: BoundedChannel
    let reportSlot: RunReportSlot

    init(channel: BoundedChannel, report: RunReportSlot) {
        self.channel = channel
        self.reportSlot = report
    }

    /// How the producing stages went (their outcomes, the metric count, whether the run failed as
    /// a whole: what the health metrics say), once the stream has ended; nil before, or when the
    /// run was stopped before it got so far.
    public var report: RunReport? { reportSlot.report }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: BoundedChannel
        public mutating func next() async throws -> [MetricPoint]? {
            while true {
                let batch: [Item]?
                do {
                    batch = try await channel.next()
                } catch is UpstreamFailure {
                    return nil
                }
                guard let batch else { return nil }
                let points = batch.compactMap(\.point)
                if !points.isEmpty { return points }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: channel) }

    /// Every remaining point, in arrival order.
    public func collect() async throws -> [MetricPoint] {
        var all: [MetricPoint] = []
        for try await batch in self { all += batch }
        return all
    }
}

/// Where the executor leaves the producing stages' report for the sinks, before it sends them
/// the health metrics and ends their streams.
final class RunReportSlot: Sendable {
    private let stored = Mutex<RunReport?>(nil)
    var report: RunReport? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

/// A sink failed to deliver; the run exits with code 3.
public struct SinkDeliveryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A sink delivered what it had, but something of its own failed: its state file could not be
/// used, or its outbox not cleared (points may be sent again). The run exits with code 1 (a
/// stage failed), not 3: nothing waits undelivered.
public struct SinkStateError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
