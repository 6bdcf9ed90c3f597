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
