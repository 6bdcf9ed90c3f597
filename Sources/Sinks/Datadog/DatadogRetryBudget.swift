import Pipeline
import Synchronization

/// The time the Datadog sink may spend retrying in one run (`retry_for`), across all its requests.
///
/// `HTTPClient` retries one request at a time (backoff with full jitter, `Retry-After`); its
/// `maxTotalWait` bounds one request. A run sends many requests, so the sink gives its client this
/// budget's `sleep`: the clock starts at the first retry of the run, and a wait that would end
/// after `limit` is refused (`Exhausted`), which ends the delivery. Time spent counts as the
/// larger of the wall time since the first retry (attempts that hang until their timeout) and the
/// sum of the waits asked for (so a test's instant sleep still spends the budget).
///
/// A 15-minute CronJob thus never piles up behind an outage: the sink stops after about
/// `retry_for` plus one attempt (whose timeout is cut to what is left of the budget), and the
/// points wait in the outbox for the next run.
final class DatadogRetryBudget: Sendable {
    /// Retrying would overrun `retry_for`.
    struct Exhausted: RetryRefusal, Sendable {
        var limit: Duration
        /// Why the refused retry was wanted (`connection refused`, `HTTP 503`), when the client said.
        var lastFailure: String?

        func after(_ lastFailure: String) -> any Error { Exhausted(limit: limit, lastFailure: lastFailure) }
    }

    private struct State {
        var startedAt: ContinuousClock.Instant?
        var slept: Duration = .zero
        var exhausted = false
    }

    let limit: Duration
    private let baseSleep: @Sendable (Duration) async throws -> Void
    private let clock = ContinuousClock()
    private let state = Mutex(State())

    init(limit: Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.limit = limit
        self.baseSleep = sleep
    }

    /// The sleep the sink's client uses between attempts.
    func sleep(_ delay: Duration) async throws {
        let now = clock.now
        try state.withLock { (state: inout State) throws(Exhausted) in
            let started = state.startedAt ?? now
            state.startedAt = started
            let spent = max(now - started, state.slept)
            guard spent + delay <= limit else {
                state.exhausted = true
                throw Exhausted(limit: limit)
            }
            state.slept += delay
        }
        try await baseSleep(delay)
    }

    /// Whether a wait was refused: the delivery stops.
    var isExhausted: Bool { state.withLock { $0.exhausted } }

    /// What is left once retrying has begun; nil before the first retry.
    var remaining: Duration? {
        let now = clock.now
        return state.withLock { state in
            guard let started = state.startedAt else { return nil }
            let spent = max(now - started, state.slept)
            return spent >= limit ? .zero : limit - spent
        }
    }

    /// The timeout for the next attempt: `standard`, cut to the budget left once retrying has
    /// begun (but at least `floor`, so a request has a chance to complete).
    func attemptTimeout(standard: Duration, floor: Duration = .seconds(2)) -> Duration {
        guard let remaining else { return standard }
        return min(standard, max(remaining, floor))
    }
}
