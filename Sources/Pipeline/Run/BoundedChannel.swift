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
    private struct WaitingProducer {
        var id: Int
        var batch: [Item]
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var buffer: [[Item]] = []
        var head = 0
        var producersRemaining: Int
        var failedProducers: [String] = []
        var consumerClosed = false
        var consumer: (id: Int, continuation: CheckedContinuation<[Item]?, Error>)?
        var producers: [WaitingProducer] = []
        var nextID = 0

        var queued: Int { buffer.count - head }

        mutating func pop() -> [Item]? {
            guard head < buffer.count else { return nil }
            let batch = buffer[head]
            buffer[head] = []
            head += 1
            if head > 32, head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return batch
        }
    }

    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int, producers: Int) {
        self.capacity = max(1, capacity)
        self.state = Mutex(State(producersRemaining: producers))
    }

    /// Queues a batch, waiting while the channel is full. Returns at once when the consumer is gone.
    func send(_ batch: [Item]) async {
        if tryEnqueue(batch) { return }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if tryEnqueue(batch, orWait: (id, continuation)) { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.producers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.producers.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }

    /// Hands the batch to a waiting consumer or queues it; true when done (or dropped because the
    /// consumer is gone or the task cancelled). Otherwise registers `waiter`, if given.
    private func tryEnqueue(_ batch: [Item], orWait waiter: (Int, CheckedContinuation<Void, Never>)? = nil) -> Bool {
        let (done, consumer) = state.withLock { state -> (Bool, CheckedContinuation<[Item]?, Error>?) in
            if state.consumerClosed || (waiter != nil && Task.isCancelled) { return (true, nil) }
            if let consumer = state.consumer {
                state.consumer = nil
                return (true, consumer.continuation)
            }
            if state.queued < capacity {
                state.buffer.append(batch)
                return (true, nil)
            }
            if let (id, continuation) = waiter {
                state.producers.append(WaitingProducer(id: id, batch: batch, continuation: continuation))
            }
            return (false, nil)
        }
        consumer?.resume(returning: batch)
        return done
    }

    /// One producer is done; `failedStage` names it when it failed.
    func finish(failedStage: String? = nil) {
        let consumer = state.withLock { state -> (CheckedContinuation<[Item]?, Error>, [String])? in
            state.producersRemaining -= 1
            if let failedStage { state.failedProducers.append(failedStage) }
            guard state.producersRemaining <= 0, state.queued == 0, let consumer = state.consumer else { return nil }
            state.consumer = nil
            return (consumer.continuation, state.failedProducers)
        }
        guard let (continuation, failed) = consumer else { return }
        if failed.isEmpty {
            continuation.resume(returning: nil)
        } else {
            continuation.resume(throwing: UpstreamFailure(stages: failed))
        }
    }

    /// What the consumer gets without waiting: a batch (and a sender to release), or the end.
    private enum Ready {
        case batch([Item], released: CheckedContinuation<Void, Never>?)
        case end(failed: [String])
    }

    /// Under the lock: the next batch, moving the first waiting sender's batch into the queue.
    private static func takeReady(_ state: inout State) -> Ready? {
        if let batch = state.pop() {
            var released: CheckedContinuation<Void, Never>?
            if !state.producers.isEmpty {
                let producer = state.producers.removeFirst()
                state.buffer.append(producer.batch)
                released = producer.continuation
            }
            return .batch(batch, released: released)
        }
        if state.producersRemaining <= 0 { return .end(failed: state.failedProducers) }
        return nil
    }

    /// The next batch; nil when every producer finished cleanly.
    /// Throws `UpstreamFailure` at the end when a producer failed, `CancellationError` when cancelled.
    func next() async throws -> [Item]? {
        switch state.withLock({ Self.takeReady(&$0) }) {
        case .batch(let batch, let released):
            released?.resume()
            return batch
        case .end(let failed):
            if failed.isEmpty { return nil }
            throw UpstreamFailure(stages: failed)
        case nil:
            break
        }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Item]?, Error>) in
                let ready: Ready? = state.withLock { state in
                    if Task.isCancelled { return .end(failed: []) }
                    if let ready = Self.takeReady(&state) { return ready }
                    state.consumer = (id, continuation)
                    return nil
                }
                switch ready {
                case .batch(let batch, let released):
                    released?.resume()
                    continuation.resume(returning: batch)
                case .end where Task.isCancelled:
                    continuation.resume(throwing: CancellationError())
                case .end(let failed):
                    if failed.isEmpty {
                        continuation.resume(returning: nil)
                    } else {
                        continuation.resume(throwing: UpstreamFailure(stages: failed))
                    }
                case nil:
                    break
                }
            }
        } onCancel: {
            let consumer = state.withLock { state -> CheckedContinuation<[Item]?, Error>? in
                guard let consumer = state.consumer, consumer.id == id else { return nil }
                state.consumer = nil
                return consumer.continuation
            }
            consumer?.resume(throwing: CancellationError())
        }
    }

    /// The consumer is gone: drop what is queued and release every waiting sender.
    func close() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.consumerClosed = true
            state.buffer = []
            state.head = 0
            let waiting = state.producers.map(\.continuation)
            state.producers = []
            return waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
