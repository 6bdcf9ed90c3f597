import Dispatch
import Foundation

/// SIGTERM and SIGINT cancel the run (Kubernetes sends SIGTERM at the job's deadline), so stages
/// stop promptly and the exit code still says what happened.
enum SignalHandling {
    static func cancellingOnTermination<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            let sources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { Cancellation.shared.fire() }
                source.resume()
                return source
            }
            group.addTask {
                await Cancellation.shared.wait()
                return nil
            }
            var result: T?
            while let next = await group.next() {
                if let value = next {
                    result = value
                    group.cancelAll()
                    break
                } else {
                    // A signal: cancel the work and wait for what it reports.
                    group.cancelAll()
                }
            }
            for source in sources { source.cancel() }
            return result!
        }
    }
}

/// A one-shot signal for the task group above: `wait` returns when `fire` is called or the
/// waiting task is cancelled.
final class Cancellation: Sendable {
    static let shared = Cancellation()
    private let state = Mutex<(fired: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}

import Synchronization
