import Pipeline
import Synchronization

/// Bounds the requests in flight per host across the whole client: an async FIFO semaphore per
/// `scheme://host:port`, created on first use and dropped when idle.
///
/// Waiting suspends the task (no thread is blocked); a cancelled waiter leaves the queue and
/// throws `CancellationError`. A released permit passes straight to the oldest waiter, so
/// waiters are served in arrival order.
final class HostLimiter: Sendable {
    private struct State {
        var queue: PermitQueue<CheckedContinuation<Void, any Error>>
        var nextID: UInt64 = 0
    }

    let limit: Int
    private let state: Mutex<State>

    init(limit: Int) {
        self.limit = max(1, limit)
        self.state = Mutex(State(queue: PermitQueue(limit: limit)))
    }

    /// Runs `body` holding one of `key`'s permits.
    func withPermit<T>(for key: String, _ body: () async throws -> T) async throws -> T {
        try await acquire(key)
        defer { release(key) }
        return try await body()
    }

    func acquire(_ key: String) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // The cancellation flag is set before the handler runs, so reading it under the
                // lock closes the race with `onCancel` below.
                let acquired = state.withLock {
                    $0.queue.acquire(key, id: id, waiter: continuation, isCancelled: Task.isCancelled)
                }
                switch acquired {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .queued: break
                }
            }
        } onCancel: {
            state.withLock { $0.queue.cancel(key, id: id) }?.resume(throwing: CancellationError())
        }
    }

    func release(_ key: String) {
        state.withLock { $0.queue.release(key) }?.resume()
    }

    /// Requests in flight for `key` (for tests and diagnostics).
    func inFlight(_ key: String) -> Int { state.withLock { $0.queue.inFlight(key) } }

    /// `scheme://host:port` of an absolute URL, lower-cased, with the scheme's default port
    /// filled in; nil if the URL has no `scheme://host`.
    static func key(for url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty else { return nil }
        var host = authority.lowercased()
        let hasPort: Bool
        if host.hasPrefix("[") {
            hasPort = host.contains("]:")  // [::1]:8080
        } else {
            hasPort = host.contains(":")
        }
        if !hasPort { host += scheme == "https" ? ":443" : ":80" }
        return "\(scheme)://\(host)"
    }
}
