import FakeGitHub
import Testing

@testable import HTTP
@testable import Pipeline

/// Every transition of the host limiter's bookkeeping, with plain values for waiters.
@Suite("PermitQueue")
struct PermitQueueTests {
    @Test func grantsUpToTheLimitThenQueuesInArrivalOrder() {
        var queue = PermitQueue<String>(limit: 2)
        #expect(queue.acquire("h", id: 1, waiter: "a", isCancelled: false) == .granted)
        #expect(queue.acquire("h", id: 2, waiter: "b", isCancelled: false) == .granted)
        #expect(queue.acquire("h", id: 3, waiter: "c", isCancelled: false) == .queued)
        #expect(queue.acquire("h", id: 4, waiter: "d", isCancelled: false) == .queued)
        #expect(queue.inFlight("h") == 2)
        #expect(queue.waiting("h") == 2)

        #expect(queue.release("h") == "c")
        #expect(queue.release("h") == "d")
        #expect(queue.inFlight("h") == 2)  // the permits passed on
        #expect(queue.release("h") == nil)
        #expect(queue.release("h") == nil)
        #expect(queue.inFlight("h") == 0)
        #expect(queue.activeHosts == 0)
    }

    @Test func hostsAreCountedApart() {
        var queue = PermitQueue<Int>(limit: 1)
        #expect(queue.acquire("a", id: 1, waiter: 1, isCancelled: false) == .granted)
        #expect(queue.acquire("b", id: 2, waiter: 2, isCancelled: false) == .granted)
        #expect(queue.acquire("a", id: 3, waiter: 3, isCancelled: false) == .queued)
        #expect(queue.release("b") == nil)
        #expect(queue.release("a") == 3)
    }

    @Test func aCancelledCallerGetsNothingAndTakesNothing() {
        var queue = PermitQueue<Int>(limit: 1)
        #expect(queue.acquire("h", id: 1, waiter: 1, isCancelled: true) == .cancelled)
        #expect(queue.inFlight("h") == 0)
        #expect(queue.activeHosts == 0)
    }

    @Test func cancellingAWaiterRemovesItAndTheNextReleaseSkipsIt() {
        var queue = PermitQueue<Int>(limit: 1)
        _ = queue.acquire("h", id: 1, waiter: 1, isCancelled: false)
        _ = queue.acquire("h", id: 2, waiter: 2, isCancelled: false)
        _ = queue.acquire("h", id: 3, waiter: 3, isCancelled: false)
        #expect(queue.cancel("h", id: 2) == 2)
        #expect(queue.cancel("h", id: 2) == nil)  // once
        #expect(queue.release("h") == 3)
        #expect(queue.release("h") == nil)
        #expect(queue.inFlight("h") == 0)
    }

    /// The race that loses wakeups elsewhere: the permit is handed over, then the cancellation
    /// arrives. The waiter must not be resumed twice, and its permit must stay counted until it
    /// releases it.
    @Test func aCancellationAfterTheHandOverFindsNothingAndThePermitStaysOut() {
        var queue = PermitQueue<Int>(limit: 1)
        _ = queue.acquire("h", id: 1, waiter: 1, isCancelled: false)
        _ = queue.acquire("h", id: 2, waiter: 2, isCancelled: false)
        #expect(queue.release("h") == 2)
        #expect(queue.cancel("h", id: 2) == nil)
        #expect(queue.inFlight("h") == 1)
        #expect(queue.acquire("h", id: 3, waiter: 3, isCancelled: false) == .queued)
        #expect(queue.release("h") == 3)
    }

    @Test func aNewcomerDoesNotOvertakeAWaiter() {
        var queue = PermitQueue<Int>(limit: 1)
        _ = queue.acquire("h", id: 1, waiter: 1, isCancelled: false)
        _ = queue.acquire("h", id: 2, waiter: 2, isCancelled: false)
        #expect(queue.release("h") == 2)
        #expect(queue.acquire("h", id: 3, waiter: 3, isCancelled: false) == .queued)
    }

    /// A seeded random walk over every transition: the permits out never exceed the limit, and
    /// every waiter ends up either holding a permit or cancelled, exactly once.
    @Test(arguments: 0..<20)
    func randomInterleavingsKeepTheInvariants(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var queue = PermitQueue<UInt64>(limit: 3)
        var holding: [UInt64] = []
        var waiting: [UInt64] = []
        var resumed: Set<UInt64> = []
        var nextID: UInt64 = 0
        for _ in 0..<2_000 {
            switch random.next() % 3 {
            case 0:
                nextID += 1
                switch queue.acquire("h", id: nextID, waiter: nextID, isCancelled: random.next() % 10 == 0) {
                case .granted: holding.append(nextID)
                case .queued: waiting.append(nextID)
                case .cancelled: break
                }
            case 1 where !holding.isEmpty:
                holding.remove(at: Int(random.next() % UInt64(holding.count)))
                if let next = queue.release("h") {
                    #expect(next == waiting.first)
                    #expect(resumed.insert(next).inserted)
                    waiting.removeFirst()
                    holding.append(next)
                }
            case 2 where !waiting.isEmpty:
                let id = waiting[Int(random.next() % UInt64(waiting.count))]
                #expect(queue.cancel("h", id: id) == id)
                #expect(resumed.insert(id).inserted)
                waiting.removeAll { $0 == id }
            default: break
            }
            #expect(queue.inFlight("h") == holding.count)
            #expect(holding.count <= 3)
            #expect(queue.waiting("h") == waiting.count)
            #expect(waiting.isEmpty || holding.count == 3)
        }
    }
}
