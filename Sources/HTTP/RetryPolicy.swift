import Pipeline

/// How hard `HTTPClient.send` tries before giving up.
///
/// Retried: connection failures (refused, reset, empty reply, dropped mid-body, DNS, TLS
/// handshake), timeouts, 408, and 5xx except 501. Waited for: rate limits on 403/429 (see
/// `RateLimitSignal`). Everything else is returned to the caller, which decides.
///
/// Backoff is exponential with full jitter: before retry n (n = 1 for the first retry) the
/// client sleeps a random time in `0 … min(maxDelay, baseDelay · 2^(n−1))`, which spreads the
/// retries of many concurrent requests instead of synchronising them.
public struct RetryPolicy: Sendable {
    /// Attempts in total, including the first; 1 disables retries.
    public var maxAttempts: Int
    /// The backoff ceiling before the first retry; it doubles for each further retry.
    public var baseDelay: Duration
    /// The largest backoff ceiling.
    public var maxDelay: Duration
    /// The longest single wait for a rate limit (a primary limit's reset, a `retry-after`, a
    /// secondary limit's pause). A longer one fails at once with `HTTPError.Kind.rateLimited`,
    /// so a 15-minute job does not sleep through its slot.
    public var maxRateLimitWait: Duration
    /// The most time one `send` may spend sleeping between attempts, all waits together;
    /// nil for no limit.
    public var maxTotalWait: Duration?
    /// When a retried status (408, 429, 5xx) persists through every attempt, return the last
    /// response instead of throwing, for callers that read the error body (AWS's error code and
    /// request id are in it).
    public var returnsLastResponse: Bool
    /// Whether an attempt the server may have carried out is tried again: a timeout or a
    /// connection lost after the request went out, a 408 or a 5xx. False for a request that
    /// creates something (a POST of a new dashboard), where a second attempt could create it
    /// twice: only what the server cannot have acted on is retried then (no connection, a
    /// 429), and the rest is reported at once.
    public var repeatsPossiblyDone: Bool

    public init(
        maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        maxRateLimitWait: Duration = .seconds(60), maxTotalWait: Duration? = .seconds(300),
        returnsLastResponse: Bool = false, repeatsPossiblyDone: Bool = true
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRateLimitWait = maxRateLimitWait
        self.maxTotalWait = maxTotalWait
        self.returnsLastResponse = returnsLastResponse
        self.repeatsPossiblyDone = repeatsPossiblyDone
    }

    /// Six attempts, 0.5 s base, 30 s cap, rate-limit waits up to 60 s, 5 minutes of waiting in all.
    public static let `default` = RetryPolicy()

    /// One attempt: failures and rate limits are reported at once.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before retry `retry` (1-based), drawn by `random` from the jitter range.
    public func backoff(retry: Int, random: (ClosedRange<Double>) -> Double) -> Duration {
        let base = TimeText.toSeconds(baseDelay)
        let ceiling = min(TimeText.toSeconds(maxDelay), base * pow2(max(0, retry - 1)))
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64(random(0...ceiling) * 1e9))
    }

    private func pow2(_ exponent: Int) -> Double { exponent >= 62 ? .infinity : Double(1 << exponent) }
}
