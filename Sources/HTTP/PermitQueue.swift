import Pipeline

/// The bookkeeping of `HostLimiter`, apart from tasks and continuations: how many permits each
/// host has out and who waits for one, in arrival order.
///
/// Every transition is a method whose result says what the caller must do next (resume a
/// waiter, or nothing), so each one, and each race between them (a cancellation that arrives
/// after the permit was handed over, say), can be tested without tasks or timing. `Waiter` is
/// a continuation in `HostLimiter` and a plain value in tests.
struct PermitQueue<Waiter> {
    private struct Host {
        var inFlight = 0
        var waiters: [(id: UInt64, waiter: Waiter)] = []
    }

    /// What `acquire` decided.
    enum Acquired {
        /// The caller holds a permit now.
        case granted
        /// The caller waits: `release` or `cancel` will hand back its waiter.
        case queued
        /// The caller was cancelled before it could wait: no permit, nothing queued.
        case cancelled
    }

    let limit: Int
    private var hosts: [String: Host] = [:]

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a permit of `key`, or queues `waiter` (identified by `id`) behind the others.
    mutating func acquire(_ key: String, id: UInt64, waiter: Waiter, isCancelled: Bool) -> Acquired {
        if isCancelled { return .cancelled }
        var host = hosts[key, default: Host()]
        defer { hosts[key] = host }
        if host.inFlight < limit, host.waiters.isEmpty {
            host.inFlight += 1
            return .granted
        }
        host.waiters.append((id, waiter))
        return .queued
    }

    /// Removes a cancelled waiter; returns it (to be resumed with `CancellationError`), or nil
    /// when `release` already handed it the permit (it then goes on, and releases it later).
    mutating func cancel(_ key: String, id: UInt64) -> Waiter? {
        guard var host = hosts[key], let index = host.waiters.firstIndex(where: { $0.id == id }) else { return nil }
        let removed = host.waiters.remove(at: index)
        hosts[key] = host
        return removed.waiter
    }

    /// Gives a permit of `key` back. Returns the oldest waiter, who now holds it (the count of
    /// permits out is unchanged), or nil when nobody waits.
    mutating func release(_ key: String) -> Waiter? {
        guard var host = hosts[key] else {
            assertionFailure("release(\(key)) without a permit")
            return nil
        }
        if !host.waiters.isEmpty {
            let next = host.waiters.removeFirst()
            hosts[key] = host
            return next.waiter
        }
        host.inFlight -= 1
        hosts[key] = host.inFlight > 0 ? host : nil
        return nil
    }

    /// Permits of `key` out now.
    func inFlight(_ key: String) -> Int { hosts[key]?.inFlight ?? 0 }

    /// Callers of `key` waiting for a permit.
    func waiting(_ key: String) -> Int { hosts[key]?.waiters.count ?? 0 }

    /// Hosts with a permit out or a waiter: an idle host is forgotten.
    var activeHosts: Int { hosts.count }
}
