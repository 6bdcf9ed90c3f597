import Testing

@testable import HTTP
@testable import Pipeline

/// Every transition of one HTTP attempt's life: its continuation is resumed exactly once.
@Suite("AttemptState")
struct AttemptStateTests {
    @Test func aQueuedAttemptIsResumedOnceByItsCompletion() {
        var state = AttemptState<String>()
        #expect(state.begin() == true)
        state.park("task")
        #expect(state.finish() == "task")
        #expect(state.finish() == nil)
        #expect(state.isFinished)
    }

    @Test func aCancellationBeforeTheStartRefusesTheStart() {
        var state = AttemptState<String>()
        #expect(state.cancel() == false)  // nothing to remove on the curl thread
        #expect(state.begin() == false)
        #expect(state.isFinished)
        #expect(state.finish() == nil)
    }

    @Test func aCancellationWhileQueuedAsksTheCurlThreadToRemoveIt() {
        var state = AttemptState<String>()
        _ = state.begin()
        state.park("task")
        #expect(state.cancel() == true)
        #expect(state.cancel() == true)  // until the curl thread finishes it, each cancel asks again
        #expect(state.finish() == "task")
        #expect(state.cancel() == false)
    }

    /// The curl thread finished the transfer first; the late cancellation changes nothing.
    @Test func aCancellationAfterTheCompletionIsANoOp() {
        var state = AttemptState<String>()
        _ = state.begin()
        state.park("task")
        #expect(state.finish() == "task")
        #expect(state.cancel() == false)
        #expect(state.finish() == nil)
    }

    @Test func anAttemptThatCannotBeQueuedNeverWaits() {
        var state = AttemptState<String>()
        #expect(state.begin() == true)
        state.refuse()
        #expect(state.isFinished)
        #expect(state.cancel() == false)
        #expect(state.finish() == nil)
    }
}
