import Synchronization

/// Bounds the requests in flight per host across the whole client: an async FIFO semaphore per
/// `scheme://host:port`, created on first use and dropped when idle.
///
/// Waiting suspends the task (no thread is blocked); a cancelled waiter leaves the queue and
/// throws `CancellationError`. A released permit passes straight to the oldest waiter, so
/// waiters are served in arrival order.
final class HostLimiter: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Host {
        var inFlight = 0
        var waiters: [Waiter] = []
    }

    private struct State {
        var hosts: [String: Host] = [:]
        var nextID: UInt64 = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

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
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    // The cancellation flag is set before the handler runs, so checking it under
                    // the lock closes the race with `onCancel` below.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    var host = state.hosts[key, default: Host()]
                    defer { state.hosts[key] = host }
                    if host.inFlight < limit {
                        host.inFlight += 1
                        return .success(())
                    }
                    host.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard var host = state.hosts[key], let index = host.waiters.firstIndex(where: { $0.id == id }) else {
                    return nil
                }
                let waiter = host.waiters.remove(at: index)
                state.hosts[key] = host
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release(_ key: String) {
        let next: Waiter? = state.withLock { state in
            guard var host = state.hosts[key] else { return nil }
            if !host.waiters.isEmpty {
                let waiter = host.waiters.removeFirst()  // the permit passes on; inFlight is unchanged
                state.hosts[key] = host
                return waiter
            }
            host.inFlight -= 1
            state.hosts[key] = host.inFlight > 0 ? host : nil
            return nil
        }
        next?.continuation.resume()
    }

    /// Requests in flight for `key` (for tests and diagnostics).
    func inFlight(_ key: String) -> Int { state.withLock { $0.hosts[key]?.inFlight ?? 0 } }

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
