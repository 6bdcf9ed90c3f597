import Testing

@testable import Pipeline

@Suite("StopSignal", .timeLimit(.minutes(1)))
struct StopSignalTests {
    @Test("wait returns once fire is called; isFired reports it")
    func fireReleasesWaiters() async {
        let stop = StopSignal()
        #expect(!stop.isFired)
        let released = TestStages.Gate()
        let waiters = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { await stop.wait() } }
            }
            released.open()
        }
        await Task.yield()
        #expect(!released.isOpen, "nothing fired yet")
        stop.fire()
        await waiters.value  // hangs until the time limit if a waiter was not released
        #expect(stop.isFired)
        #expect(released.isOpen)
    }

    @Test("wait after fire returns at once")
    func alreadyFired() async {
        let stop = StopSignal()
        stop.fire()
        await stop.wait()
        stop.fire()  // firing twice is harmless
        await stop.wait()
        #expect(stop.isFired)
    }

    @Test("a cancelled waiter returns without the signal firing")
    func cancelledWaiter() async {
        let stop = StopSignal()
        let waiter = Task { await stop.wait() }
        await Task.yield()
        waiter.cancel()
        await waiter.value
        #expect(!stop.isFired)
    }
}
