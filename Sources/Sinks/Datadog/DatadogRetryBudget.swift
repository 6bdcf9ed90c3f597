import Foundation
import HTTP
import Pipeline
import Synchronization

/// How long the Datadog sink may keep trying in one run: `retry_for` for failing attempts and the
/// waits between them, and a short grace once the run is asked to stop (SIGTERM).
///
/// **retry_for.** Time counts while Datadog is failing: from the start of an attempt that fails
/// until an answer comes (any status the sink reads, 202 or 4xx), across every request of the run.
/// A streak's time is the larger of its wall time (attempts that hang until their timeout count
/// in full) and the waits asked for (so a test's instant sleep still spends the budget). So:
/// - each request gets `deadline(startingAt:)`: what remains of `retry_for` from its start (at
///   least `minimumAttempt`); the sink cuts its attempt timeout to it and cancels the request,
///   retries included, when it passes, so an intake that accepts and never answers costs at most
///   what remains, not the client's standard timeout per attempt;
/// - `HTTPClient` retries through `sleep`, which refuses (`Exhausted`) a wait that would overrun
///   `retry_for`, saying how long Datadog has been failing and how long the wait would have been.
///
/// **Stopping.** Once the run's `StopSignal` has fired, `sleep` refuses every retry (`Stopped`),
/// and a wait under way ends at once; a request still unanswered `stopGrace` after the sink saw
/// the signal is given up (`deadline(startingAt:)` is cut to it), so the process exits well
/// before Kubernetes kills it (30 s after SIGTERM) and the points stay in the outbox.
///
/// A 15-minute CronJob thus never piles up behind an outage: the sink gives up after about
/// `retry_for`, and the points wait in the outbox for the next run.
final class DatadogRetryBudget: Sendable {
    /// Retrying would overrun `retry_for`.
    struct Exhausted: RetryRefusal, Sendable {
        var limit: Duration
        /// How long Datadog had been failing when the wait was refused.
        var spent: Duration
        /// The wait that was refused.
        var wanted: Duration
        /// Why the refused retry was wanted (`connection refused`, `HTTP 503`), when the client said.
        var lastFailure: String?

        func after(_ lastFailure: String) -> any Error {
            Exhausted(limit: limit, spent: spent, wanted: wanted, lastFailure: lastFailure)
        }
    }

    /// The run was asked to stop: no more retries.
    struct Stopped: RetryRefusal, Sendable {
        var lastFailure: String?
        func after(_ lastFailure: String) -> any Error { Stopped(lastFailure: lastFailure) }
    }

    private struct State {
        /// Failing time of the streaks that ended with an answer.
        var spentBefore: Duration = .zero
        /// The current streak: when its first failing attempt started, and the waits asked since.
        var streakStart: ContinuousClock.Instant?
        var streakSlept: Duration = .zero
        /// When the request under way started (the start of a streak, should it fail).
        var requestStart: ContinuousClock.Instant?
        var exhausted = false
        /// When the sink saw the stop signal.
        var stoppedAt: ContinuousClock.Instant?
    }

    let limit: Duration
    let stopGrace: Duration
    /// The least time a request gets, even with `retry_for` spent (`retry_for: 0s`: its own timeout).
    let minimumAttempt: Duration
    let stop: StopSignal?
    private let baseSleep: @Sendable (Duration) async throws -> Void
    private let clock = ContinuousClock()
    private let state = Mutex(State())

    init(
        limit: Duration, standardTimeout: Duration, stop: StopSignal? = nil, stopGrace: Duration = .seconds(10),
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.limit = limit
        self.stopGrace = stopGrace
        self.minimumAttempt = limit > .zero ? min(standardTimeout, .seconds(1)) : standardTimeout
        self.stop = stop
        self.baseSleep = sleep
    }

    // MARK: Requests

    /// Why a request's deadline passed.
    enum Cutoff: Sendable, Equatable {
        case retryFor
        case stopped
    }

    /// Marks the start of a request; returns the instant it must be answered by and why.
    func deadline(startingAt now: ContinuousClock.Instant) -> (instant: ContinuousClock.Instant, cutoff: Cutoff) {
        if stop?.isFired == true { noteStop(at: now) }
        return state.withLock { state in
            state.requestStart = now
            state.streakStart = nil
            state.streakSlept = .zero
            let remaining = limit > state.spentBefore ? limit - state.spentBefore : .zero
            let budgetEnd = now + max(remaining, minimumAttempt)
            guard let stoppedAt = state.stoppedAt else { return (budgetEnd, .retryFor) }
            let graceEnd = max(stoppedAt + stopGrace, now)
            return graceEnd < budgetEnd ? (graceEnd, .stopped) : (budgetEnd, .retryFor)
        }
    }

    /// The request got an answer: its failing time, if any, is spent for good.
    func answered(at now: ContinuousClock.Instant) {
        state.withLock { state in
            if let start = state.streakStart { state.spentBefore += max(now - start, state.streakSlept) }
            state.streakStart = nil
            state.streakSlept = .zero
            state.requestStart = nil
        }
    }

    /// The request ended without an answer (refused retry, deadline): the streak ends here.
    func gaveUp(at now: ContinuousClock.Instant) {
        state.withLock { state in
            let start = state.streakStart ?? state.requestStart ?? now
            state.spentBefore += max(now - start, state.streakSlept)
            state.streakStart = nil
            state.streakSlept = .zero
            state.requestStart = nil
        }
    }

    /// Failing time so far, the current streak included.
    var spent: Duration {
        let now = clock.now
        return state.withLock { state in
            state.spentBefore + (state.streakStart.map { max(now - $0, state.streakSlept) } ?? .zero)
        }
    }

    // MARK: Stopping

    /// Records that the sink saw the stop signal (the first time counts).
    func noteStop(at now: ContinuousClock.Instant) {
        state.withLock { state in
            if state.stoppedAt == nil { state.stoppedAt = now }
        }
    }

    var stoppedAt: ContinuousClock.Instant? { state.withLock { $0.stoppedAt } }

    // MARK: Retries

    /// The sleep the sink's client uses between attempts.
    func sleep(_ delay: Duration) async throws {
        let now = clock.now
        if stop?.isFired == true {
            noteStop(at: now)
            throw Stopped()
        }
        try state.withLock { (state: inout State) throws(Exhausted) in
            let start = state.streakStart ?? state.requestStart ?? now
            state.streakStart = start
            let spent = state.spentBefore + max(now - start, state.streakSlept)
            guard spent + delay <= limit else {
                state.exhausted = true
                throw Exhausted(limit: limit, spent: spent, wanted: delay)
            }
            state.streakSlept += delay
        }
        guard let stop else { return try await baseSleep(delay) }
        // A wait under way ends when the run is asked to stop.
        let base = baseSleep
        let stopped = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await base(delay)
                return false
            }
            group.addTask {
                await stop.wait()
                return true
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        if stopped, stop.isFired {
            noteStop(at: clock.now)
            throw Stopped()
        }
        try Task.checkCancellation()
    }

    /// Whether a wait was refused: the delivery stops.
    var isExhausted: Bool { state.withLock { $0.exhausted } }

    // MARK: Deadlines

    /// A request was given up: its deadline passed first.
    struct TimeUp: Error, Sendable {
        var cutoff: Cutoff
    }

    /// What finished first in `guarded`: the request, or its deadline.
    private enum Guarded<T: Sendable>: Sendable {
        case value(T)
        case timeUp(Cutoff)
    }

    /// Runs `operation` (one request, its retries included) until `deadline`, then cancels it
    /// and throws `TimeUp`. Once the stop signal fires, the deadline is cut to `stopGrace` after
    /// the sink saw it. The attempt's own timeout, cut to the same deadline, usually ends a hung
    /// attempt a moment earlier (with a clearer error); this is the bound for the retries after it.
    func guarded<T: Sendable>(
        until deadline: ContinuousClock.Instant, cutoff: Cutoff, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Guarded<T>.self) { group in
            group.addTask { .value(try await operation()) }
            group.addTask { .timeUp(try await self.waitForCutoff(deadline, cutoff)) }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            switch first {
            case .value(let value): return value
            case .timeUp(let cutoff): throw TimeUp(cutoff: cutoff)
            }
        }
    }

    /// Returns when `deadline` has passed (the retry_for margin included), or the stop grace has
    /// run out; throws `CancellationError` once the request ended first.
    private func waitForCutoff(_ deadline: ContinuousClock.Instant, _ cutoff: Cutoff) async throws -> Cutoff {
        // A moment more than the attempt's timeout, so that curl's own timeout reports a hung attempt.
        let end = cutoff == .retryFor ? deadline + Self.margin : deadline
        if let stop, stoppedAt == nil {
            let stoppedFirst = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try? await Task.sleep(until: end, clock: .continuous)
                    return false
                }
                group.addTask {
                    await stop.wait()
                    return true
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            try Task.checkCancellation()
            guard stoppedFirst, stop.isFired else { return cutoff }
            noteStop(at: clock.now)
        }
        guard let stoppedAt else {
            try await Task.sleep(until: end, clock: .continuous)
            return cutoff
        }
        let graceEnd = stoppedAt + stopGrace
        try await Task.sleep(until: min(end, graceEnd), clock: .continuous)
        return graceEnd < end ? .stopped : cutoff
    }

    /// How much later than a request's deadline it is cancelled, when its attempt timeout did not end it.
    static let margin: Duration = .milliseconds(250)

    /// `13.2s`: durations in messages, to a tenth of a second.
    static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1fs", seconds)
    }
}
