/// Which requests the fake answers badly, decided only by request order so every run of a test
/// sees the same faults.
///
/// Each rule counts the API requests it applies to (1, 2, 3, ...) and fires on request n when
/// `(n - 1) % period` is in `offset ..< offset + burst`. The bursts of all rules together are
/// shorter than the shortest period, so faults never cover every request: a client that retries
/// a request gets through after at most that many attempts.
public struct FaultPlan: Sendable {
    /// What a faulty answer looks like.
    public enum Fault: Sendable, Equatable {
        /// A 5xx from the load balancer (502 or 503), HTML-free JSON body.
        case serverError(status: Int)
        /// 403 with `retry-after` and GitHub's secondary-rate-limit message.
        case secondaryRateLimit(retryAfterSeconds: Int)
        /// 429 Too Many Requests with `retry-after`.
        case tooManyRequests(retryAfterSeconds: Int)
        /// The connection is closed without an answer.
        case dropConnection
        /// 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds ahead.
        case primaryRateLimit(resetAfterSeconds: Int)
    }

    public struct Rule: Sendable {
        public var fault: Fault
        public var period: Int
        public var offset: Int
        public var burst: Int
        /// Only requests whose path contains this count for (and can hit) the rule.
        public var pathContains: String?

        public init(_ fault: Fault, every period: Int, offset: Int = 0, burst: Int = 1, pathContains: String? = nil) {
            precondition(period >= 2 && burst >= 1 && burst < period, "a fault must leave requests that succeed")
            precondition(offset >= 0 && offset + burst <= period, "the burst must fit in the period")
            self.fault = fault
            self.period = period
            self.offset = offset
            self.burst = burst
            self.pathContains = pathContains
        }

        public func applies(toPath path: String) -> Bool {
            pathContains.map { path.contains($0) } ?? true
        }

        /// Whether the n-th request this rule applies to (from 1) is faulted.
        public func fires(onRequest n: Int) -> Bool {
            let position = (n - 1) % period
            return position >= offset && position < offset + burst
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) {
        if let shortest = rules.map(\.period).min() {
            precondition(rules.map(\.burst).reduce(0, +) < shortest, "faults would cover every request")
        }
        self.rules = rules
    }

    public static let none = FaultPlan(rules: [])

    /// A mix of every fault kind, sparse enough that a client with a few retries always finishes.
    /// All periods are multiples of 20 and the faults sit at distinct positions within 20, so at
    /// most 2 requests in a row fail (the 503 burst) and request 1 never does: in each 20
    /// requests, position 3: 502 (every 20th), 9-10: 503 x2 (every 40th), 15: secondary rate
    /// limit (every 60th), 6: 429 (every 80th), 12: dropped connection (every 100th),
    /// 18: primary rate limit exhausted, reset in 2 s (every 200th). About 14% of requests fail.
    public static let flaky = FaultPlan(rules: [
        Rule(.serverError(status: 502), every: 20, offset: 3),
        Rule(.serverError(status: 503), every: 40, offset: 9, burst: 2),
        Rule(.secondaryRateLimit(retryAfterSeconds: 1), every: 60, offset: 15),
        Rule(.tooManyRequests(retryAfterSeconds: 1), every: 80, offset: 6),
        Rule(.dropConnection, every: 100, offset: 12),
        Rule(.primaryRateLimit(resetAfterSeconds: 2), every: 200, offset: 18),
    ])

    /// One rule: `fault` on every `period`-th request, `burst` in a row.
    public static func every(_ period: Int, offset: Int = 0, burst: Int = 1, _ fault: Fault, pathContains: String? = nil)
        -> FaultPlan
    {
        FaultPlan(rules: [Rule(fault, every: period, offset: offset, burst: burst, pathContains: pathContains)])
    }

    /// The fault for a request, given each rule's count of requests so far including this one
    /// (`counts[i]` for `rules[i]`; ignored for rules that do not apply). The first firing rule wins.
    public func fault(path: String, counts: [Int]) -> Fault? {
        for (index, rule) in rules.enumerated() where rule.applies(toPath: path) && rule.fires(onRequest: counts[index]) {
            return rule.fault
        }
        return nil
    }

    /// The faults of requests 1...count when every request has `path`: a preview for tests.
    public func schedule(requests count: Int, path: String = "/") -> [Fault?] {
        var counts = Array(repeating: 0, count: rules.count)
        return (0..<count).map { _ in
            for index in rules.indices where rules[index].applies(toPath: path) { counts[index] += 1 }
            return fault(path: path, counts: counts)
        }
    }
}
