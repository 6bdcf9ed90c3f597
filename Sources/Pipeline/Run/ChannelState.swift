/// The bookkeeping of `BoundedChannel`, apart from tasks and continuations: the queue, the
/// senders waiting for room, the one consumer waiting for a batch, and how the stream ends.
///
/// Every transition returns what the caller must resume (outside the lock), so each one and each
/// race between them (a batch that arrives as the consumer is cancelled, a sender cancelled as
/// room appears) is tested without tasks or timing. `Producer` and `Consumer` are continuations
/// in `BoundedChannel` and plain values in tests.
struct ChannelState<Batch, Producer, Consumer> {
    let capacity: Int
    /// Popped slots are nil, so a delivered batch's memory goes with it.
    private var buffer: [Batch?] = []
    private var head = 0
    private var producersRemaining: Int
    private var failedProducers: [String] = []
    private var consumerClosed = false
    private var consumer: (id: Int, waiter: Consumer)?
    private var producers: [(id: Int, batch: Batch, waiter: Producer)] = []

    init(capacity: Int, producers: Int) {
        self.capacity = max(1, capacity)
        self.producersRemaining = producers
    }

    /// Batches queued now.
    var queued: Int { buffer.count - head }
    /// Senders waiting for room.
    var waitingProducers: Int { producers.count }
    /// Whether the consumer waits for a batch.
    var consumerWaiting: Bool { consumer != nil }

    enum Sent {
        /// Done: resume `Consumer` with the batch, if one is given.
        case delivered(to: Consumer?)
        /// Dropped: the consumer is gone, or the sender was cancelled.
        case dropped
        /// No room: the sender's waiter is registered (or, without one, it should make one).
        case full
    }

    /// A sender offers `batch`. With `waiter`, a full channel registers it as sender `id`.
    mutating func send(_ batch: Batch, id: Int, waiter: Producer?, isCancelled: Bool) -> Sent {
        if consumerClosed || (waiter != nil && isCancelled) { return .dropped }
        if let consumer {
            self.consumer = nil
            return .delivered(to: consumer.waiter)
        }
        if queued < capacity {
            buffer.append(batch)
            return .delivered(to: nil)
        }
        if let waiter { producers.append((id, batch, waiter)) }
        return .full
    }

    /// A waiting sender was cancelled: its waiter to resume (its batch is dropped), or nil if a
    /// read already took the batch and released it.
    mutating func cancelSend(id: Int) -> Producer? {
        guard let index = producers.firstIndex(where: { $0.id == id }) else { return nil }
        return producers.remove(at: index).waiter
    }

    enum Next {
        /// A batch; resume `released`, the sender whose batch moved into the freed room.
        case batch(Batch, released: Producer?)
        /// The stream ended; `failed` names the producers that failed (empty: a clean end).
        case end(failed: [String])
        /// The consumer was cancelled.
        case cancelled
        /// Nothing yet: the consumer's waiter is registered (or, without one, it should make one).
        case wait
    }

    /// The consumer asks for the next batch. With `waiter`, an empty channel registers it.
    mutating func next(id: Int, waiter: Consumer?, isCancelled: Bool) -> Next {
        if waiter != nil, isCancelled { return .cancelled }
        if head < buffer.count {
            let batch = pop()
            var released: Producer?
            if !producers.isEmpty {
                let producer = producers.removeFirst()
                buffer.append(producer.batch)
                released = producer.waiter
            }
            return .batch(batch, released: released)
        }
        if producersRemaining <= 0 { return .end(failed: failedProducers) }
        if let waiter { consumer = (id, waiter) }
        return .wait
    }

    /// The waiting consumer was cancelled: its waiter to resume, or nil if a batch or the end
    /// reached it first.
    mutating func cancelNext(id: Int) -> Consumer? {
        guard let consumer, consumer.id == id else { return nil }
        self.consumer = nil
        return consumer.waiter
    }

    /// One producer finished (`failedStage` names it when it failed). When that ends the stream
    /// for a waiting consumer: the consumer and the failed producers.
    mutating func finish(failedStage: String?) -> (consumer: Consumer, failed: [String])? {
        producersRemaining -= 1
        if let failedStage { failedProducers.append(failedStage) }
        guard producersRemaining <= 0, queued == 0, let consumer else { return nil }
        self.consumer = nil
        return (consumer.waiter, failedProducers)
    }

    /// The consumer is gone: what is queued is dropped; the waiting senders to release.
    mutating func close() -> [Producer] {
        consumerClosed = true
        buffer = []
        head = 0
        defer { producers = [] }
        return producers.map(\.waiter)
    }

    private mutating func pop() -> Batch {
        let batch = buffer[head]!
        buffer[head] = nil
        head += 1
        if head > 32, head * 2 > buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        return batch
    }
}
