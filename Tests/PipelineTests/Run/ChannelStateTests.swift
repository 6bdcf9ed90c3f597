import FakeGitHub
import Testing

@testable import Pipeline

/// Every transition of a channel's bookkeeping, with strings for batches and waiters.
@Suite("ChannelState")
struct ChannelStateTests {
    typealias State = ChannelState<String, String, String>

    @Test func queuesUpToCapacityThenRegistersTheSender() {
        var state = State(capacity: 2, producers: 1)
        #expect(state.send("a", id: 1, waiter: nil, isCancelled: false).delivered == .some(nil))
        #expect(state.send("b", id: 2, waiter: nil, isCancelled: false).delivered == .some(nil))
        #expect(state.send("c", id: 3, waiter: nil, isCancelled: false).isFull)
        #expect(state.waitingProducers == 0)  // without a waiter nothing is registered
        #expect(state.send("c", id: 3, waiter: "sender-3", isCancelled: false).isFull)
        #expect(state.waitingProducers == 1)
        #expect(state.queued == 2)
    }

    @Test func aReadMovesTheFirstWaitingSendersBatchInAndReleasesIt() {
        var state = State(capacity: 1, producers: 1)
        _ = state.send("a", id: 1, waiter: nil, isCancelled: false)
        _ = state.send("b", id: 2, waiter: "sender-2", isCancelled: false)
        _ = state.send("c", id: 3, waiter: "sender-3", isCancelled: false)
        #expect(state.next(id: 9, waiter: nil, isCancelled: false).batch == "a released sender-2")
        #expect(state.next(id: 9, waiter: nil, isCancelled: false).batch == "b released sender-3")
        #expect(state.next(id: 9, waiter: nil, isCancelled: false).batch == "c")
        #expect(state.next(id: 9, waiter: nil, isCancelled: false).isWait)
    }

    @Test func aBatchGoesStraightToAWaitingConsumer() {
        var state = State(capacity: 1, producers: 1)
        #expect(state.next(id: 1, waiter: "consumer", isCancelled: false).isWait)
        #expect(state.consumerWaiting)
        #expect(state.send("a", id: 2, waiter: nil, isCancelled: false).delivered == .some("consumer"))
        #expect(!state.consumerWaiting)
        #expect(state.queued == 0)
    }

    @Test func theStreamEndsAfterTheLastProducerAndTheLastBatch() {
        var state = State(capacity: 4, producers: 2)
        _ = state.send("a", id: 1, waiter: nil, isCancelled: false)
        #expect(state.finish(failedStage: nil) == nil)
        #expect(state.finish(failedStage: "lister") == nil)  // a batch is still queued
        #expect(state.next(id: 1, waiter: nil, isCancelled: false).batch == "a")
        #expect(state.next(id: 1, waiter: nil, isCancelled: false).end == ["lister"])
    }

    @Test func aWaitingConsumerLearnsOfTheEndFromTheLastFinish() {
        var state = State(capacity: 4, producers: 2)
        #expect(state.next(id: 1, waiter: "consumer", isCancelled: false).isWait)
        #expect(state.finish(failedStage: nil) == nil)
        let ended = state.finish(failedStage: "b")
        #expect(ended?.consumer == "consumer")
        #expect(ended?.failed == ["b"])
        #expect(!state.consumerWaiting)
    }

    @Test func aCancelledConsumerIsRemovedOnceAndABatchArrivingAfterIsQueued() {
        var state = State(capacity: 1, producers: 1)
        _ = state.next(id: 7, waiter: "consumer", isCancelled: false)
        #expect(state.cancelNext(id: 7) == "consumer")
        #expect(state.cancelNext(id: 7) == nil)
        #expect(state.send("a", id: 1, waiter: nil, isCancelled: false).delivered == .some(nil))
        #expect(state.queued == 1)
    }

    /// The batch reached the consumer first; the late cancellation must not resume it again.
    @Test func aCancellationAfterTheHandOverFindsNothing() {
        var state = State(capacity: 1, producers: 1)
        _ = state.next(id: 7, waiter: "consumer", isCancelled: false)
        #expect(state.send("a", id: 1, waiter: nil, isCancelled: false).delivered == .some("consumer"))
        #expect(state.cancelNext(id: 7) == nil)
    }

    @Test func aCancelledSenderIsDroppedAndAReleasedOneIsNotResumedTwice() {
        var state = State(capacity: 1, producers: 1)
        _ = state.send("a", id: 1, waiter: nil, isCancelled: false)
        _ = state.send("b", id: 2, waiter: "sender-2", isCancelled: false)
        _ = state.send("c", id: 3, waiter: "sender-3", isCancelled: false)
        #expect(state.cancelSend(id: 3) == "sender-3")
        #expect(state.next(id: 9, waiter: nil, isCancelled: false).batch == "a released sender-2")
        #expect(state.cancelSend(id: 2) == nil)
        #expect(state.next(id: 9, waiter: nil, isCancelled: false).batch == "b")
        #expect(state.queued == 0)
        #expect(state.send("d", id: 4, waiter: "sender-4", isCancelled: true).isDropped)
    }

    @Test func closingReleasesEverySenderAndDropsLaterBatches() {
        var state = State(capacity: 1, producers: 1)
        _ = state.send("a", id: 1, waiter: nil, isCancelled: false)
        _ = state.send("b", id: 2, waiter: "sender-2", isCancelled: false)
        #expect(state.close() == ["sender-2"])
        #expect(state.queued == 0)
        #expect(state.send("c", id: 3, waiter: nil, isCancelled: false).isDropped)
    }

    /// A seeded random walk over every transition: no batch is lost or repeated, batches come out
    /// in the order they went in, each waiter is resumed exactly once, and the queue never holds
    /// more than the capacity.
    @Test(arguments: 0..<20)
    func randomInterleavingsLoseNothingAndResumeEachWaiterOnce(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var state = ChannelState<Int, Int, Int>(capacity: 3, producers: 1)
        var sentOrder: [Int] = []  // batches accepted (queued, handed over, or waiting to be moved in)
        var received: [Int] = []
        var waitingSenders: [Int: Int] = [:]  // sender id -> batch
        var resumed: Set<Int> = []
        var consumerID: Int?
        var nextID = 0
        for _ in 0..<3_000 {
            nextID += 1
            switch random.next() % 4 {
            case 0, 1:
                let batch = nextID
                switch state.send(batch, id: nextID, waiter: nextID, isCancelled: false) {
                case .delivered(let consumer?):
                    #expect(consumer == consumerID)
                    #expect(resumed.insert(consumer).inserted)
                    consumerID = nil
                    sentOrder.append(batch)
                    received.append(batch)
                case .delivered(nil): sentOrder.append(batch)
                case .full:
                    waitingSenders[nextID] = batch
                    sentOrder.append(batch)
                case .dropped: Issue.record("nothing is closed or cancelled here")
                }
            case 2 where consumerID == nil:
                switch state.next(id: nextID, waiter: nextID, isCancelled: false) {
                case .batch(let batch, let released):
                    received.append(batch)
                    if let released {
                        #expect(waitingSenders.removeValue(forKey: released) != nil)
                        #expect(resumed.insert(released).inserted)
                    }
                case .wait: consumerID = nextID
                case .end, .cancelled: Issue.record("the stream cannot end here")
                }
            case 3:
                if random.next() % 2 == 0, let id = waitingSenders.keys.min() {
                    // A cancelled sender's batch is dropped: it never arrives.
                    #expect(state.cancelSend(id: id) == id)
                    #expect(resumed.insert(id).inserted)
                    let dropped = waitingSenders.removeValue(forKey: id)
                    sentOrder.removeAll { $0 == dropped }
                } else if let id = consumerID {
                    #expect(state.cancelNext(id: id) == id)
                    #expect(resumed.insert(id).inserted)
                    consumerID = nil
                }
            default: break
            }
            #expect(state.queued <= 3)
            #expect(state.waitingProducers == waitingSenders.count)
            #expect(waitingSenders.isEmpty || state.queued == 3)
        }
        // Drain: every accepted batch arrives once, in order.
        if let id = consumerID { _ = state.cancelNext(id: id) }
        _ = state.finish(failedStage: nil)
        while case .batch(let batch, let released) = state.next(id: 0, waiter: nil, isCancelled: false) {
            received.append(batch)
            if let released { waitingSenders[released] = nil }
        }
        #expect(received == sentOrder)
        #expect(state.next(id: 0, waiter: nil, isCancelled: false).end == [])
    }
}

extension ChannelState.Sent {
    var delivered: Consumer?? {
        if case .delivered(let consumer) = self { return .some(consumer) }
        return .none
    }
    var isFull: Bool { if case .full = self { true } else { false } }
    var isDropped: Bool { if case .dropped = self { true } else { false } }
}

extension ChannelState.Next {
    /// "BATCH", or "BATCH released SENDER".
    var batch: String? {
        guard case .batch(let batch, let released) = self else { return nil }
        return "\(batch)" + (released.map { " released \($0)" } ?? "")
    }
    var end: [String]? {
        if case .end(let failed) = self { return failed }
        return nil
    }
    var isWait: Bool { if case .wait = self { true } else { false } }
}
