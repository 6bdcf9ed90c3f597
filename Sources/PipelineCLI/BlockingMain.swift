import Dispatch
import Synchronization

/// Runs the command's async work from a synchronous top level and returns its exit code.
///
/// The main thread waits on a semaphore while the work runs on the cooperative pool. An async
/// top level (`await` in main.swift) would instead park the main thread in `dispatch_main`,
/// which ends it with `pthread_exit`: unwinding that thread reads the binary's unwind tables,
/// about 0.6 MiB made resident at every start for nothing. The work is a detached task because
/// a task started from top-level code would inherit the main actor, whose thread is the one
/// waiting here.
func runBlocking(_ work: @escaping @Sendable () async -> Int32) -> Int32 {
    let finished = DispatchSemaphore(value: 0)
    let code = Mutex<Int32?>(nil)
    Task.detached {
        let result = await work()
        code.withLock { $0 = result }
        finished.signal()
    }
    finished.wait()
    return code.withLock { $0 } ?? ExitCode.usage
}
