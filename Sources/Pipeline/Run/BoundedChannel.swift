import Synchronization

/// The end of a stream whose upstream stage failed: what arrived is incomplete.
public struct UpstreamFailure: Error, CustomStringConvertible, Sendable {
    public var stages: [String]
    public var description: String { "upstream stage \(stages.map { "\"\($0)\"" }.joined(separator: ", ")) failed" }
}

/// A bounded, many-producer, one-consumer channel of item batches: the edge between stages.
///
/// `AsyncStream` has no back-pressure (its buffer grew to ~400 MiB in a benchmark); here a
/// sender waits while `capacity` batches are queued. The stream ends when every producer has
/// finished; if one of them failed, the consumer learns it after draining (`UpstreamFailure`).
/// When the consumer goes away (`close`), senders are released and their batches dropped, so a
/// failed stage never blocks the stages feeding it.
///
/// State lives under a mutex; continuations are resumed after the lock is released.
final class BoundedChannel: Sendable {
    private typealias Producer = CheckedContinuation<Void, Never>
    private typealias Consumer = CheckedContinuation<[Item]?, any Error>

    private struct State {
        var channel: ChannelState<[Item], Producer, Consumer>
        var nextID = 0

        mutating func newID() -> Int {
            nextID += 1
            return nextID
        }
    }

    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int, producers: Int) {
        self.capacity = max(1, capacity)
        self.state = Mutex(State(channel: ChannelState(capacity: capacity, producers: producers)))
    }

    /// Queues a batch, waiting while the channel is full. Returns at once when the consumer is gone.
    func send(_ batch: [Item]) async {
        let (sent, id) = state.withLock { state in
            (state.channel.send(batch, id: 0, waiter: nil, isCancelled: false), state.newID())
        }
        switch sent {
        case .delivered(let consumer):
            consumer?.resume(returning: batch)
            return
        case .dropped: return
        case .full: break
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Producer) in
                let sent = state.withLock {
                    $0.channel.send(batch, id: id, waiter: continuation, isCancelled: Task.isCancelled)
                }
                switch sent {
                case .delivered(let consumer):
                    consumer?.resume(returning: batch)
                    continuation.resume()
                case .dropped: continuation.resume()
                case .full: break  // a read or `close` resumes it
                }
            }
        } onCancel: {
            state.withLock { $0.channel.cancelSend(id: id) }?.resume()
        }
    }

    /// One producer is done; `failedStage` names it when it failed.
    func finish(failedStage: String? = nil) {
        guard let (consumer, failed) = state.withLock({ $0.channel.finish(failedStage: failedStage) }) else { return }
        Self.end(consumer, failed: failed)
    }

    /// The next batch; nil when every producer finished cleanly.
    /// Throws `UpstreamFailure` at the end when a producer failed, `CancellationError` when cancelled.
    func next() async throws -> [Item]? {
        let (ready, id) = state.withLock { state in
            (state.channel.next(id: 0, waiter: nil, isCancelled: false), state.newID())
        }
        switch ready {
        case .batch(let batch, let released):
            released?.resume()
            return batch
        case .end(let failed):
            if failed.isEmpty { return nil }
            throw UpstreamFailure(stages: failed)
        case .cancelled: throw CancellationError()
        case .wait: break
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Consumer) in
                let ready = state.withLock {
                    $0.channel.next(id: id, waiter: continuation, isCancelled: Task.isCancelled)
                }
                switch ready {
                case .batch(let batch, let released):
                    released?.resume()
                    continuation.resume(returning: batch)
                case .end(let failed): Self.end(continuation, failed: failed)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break  // a send, `finish` or the cancellation resumes it
                }
            }
        } onCancel: {
            state.withLock { $0.channel.cancelNext(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// The consumer is gone: drop what is queued and release every waiting sender.
    func close() {
        for producer in state.withLock({ $0.channel.close() }) { producer.resume() }
    }

    private static func end(_ consumer: Consumer, failed: [String]) {
        if failed.isEmpty {
            consumer.resume(returning: nil)
        } else {
            consumer.resume(throwing: UpstreamFailure(stages: failed))
        }
    }
}
