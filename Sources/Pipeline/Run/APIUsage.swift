import Synchronization

/// What a run's API calls cost, counted across every stage: requests that counted against the
/// rate limit (answers other than 304), cache hits (304s and stored answers reused without
/// asking), and the lowest `x-ratelimit-remaining` seen (answers arrive concurrently, so the last
/// one need not be the latest). Reported as health metrics.
public final class APIUsage: Sendable {
    public struct Counts: Sendable, Equatable {
        public var requests = 0
        public var cacheHits = 0
        public var rateLimitRemaining: Int?

        public init(requests: Int = 0, cacheHits: Int = 0, rateLimitRemaining: Int? = nil) {
            self.requests = requests
            self.cacheHits = cacheHits
            self.rateLimitRemaining = rateLimitRemaining
        }
    }

    private let state = Mutex(Counts())

    public init() {}

    public var counts: Counts { state.withLock { $0 } }

    /// An answer from the API: a cache hit when its status is 304, else a counted request;
    /// `rateLimitRemaining` is what the answer said is left of the rate limit, if it said.
    public func record(status: Int, rateLimitRemaining remaining: Int?) {
        state.withLock {
            if status == 304 { $0.cacheHits += 1 } else { $0.requests += 1 }
            if let remaining { $0.rateLimitRemaining = min($0.rateLimitRemaining ?? remaining, remaining) }
        }
    }

    /// A stored answer used without asking the API.
    public func recordCacheHit() { state.withLock { $0.cacheHits += 1 } }
}
