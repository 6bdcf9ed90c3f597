import Synchronization

/// What a run is doing now, for its watchdog: when it last made progress (a stage sent a batch,
/// an HTTP answer arrived, a stage finished) and which requests each stage is waiting on.
///
/// A run whose every task waits on something that will never come (a lost wakeup, a server that
/// holds a connection open, a rate limit that paces requests an hour apart) looks from outside
/// exactly like a slow one; `stall(after:)` tells them apart and names what is waited on, so
/// the executor can stop the run with a message instead of holding the CronJob's slot.
///
/// Stages and the HTTP client find the run's activity through the task-locals `current` and
/// `stage`, which the executor sets around each stage's task (child tasks inherit them).
public final class RunActivity: Sendable {
    /// The activity of the run the current task belongs to; nil outside a run.
    @TaskLocal public static var current: RunActivity?
    /// The stage the current task works for.
    @TaskLocal public static var stage: String?

    /// A wait in progress: a request, with what it is doing now.
    public struct Wait: Sendable, Equatable {
        public var stage: String?
        /// `GET https://api.github.com/…` (redacted).
        public var what: String
        /// `in flight`, `waiting for a connection slot`, `waiting 4 s before retry 2`, …
        public var phase: String
        public var since: ContinuousClock.Instant
    }

    private struct State {
        var lastProgress: ContinuousClock.Instant
        var waits: [UInt64: Wait] = [:]
        var nextID: UInt64 = 0
    }

    private let clock = ContinuousClock()
    private let state: Mutex<State>

    public init() { state = Mutex(State(lastProgress: ContinuousClock.now)) }

    /// Something moved forward.
    public func progressed() {
        let now = clock.now
        state.withLock { $0.lastProgress = now }
    }

    /// A wait begins (for the current task's stage); returns its token for `update` and `end`.
    public func begin(_ what: String, phase: String) -> UInt64 {
        let wait = Wait(stage: Self.stage, what: what, phase: phase, since: clock.now)
        return state.withLock { state in
            state.nextID += 1
            state.waits[state.nextID] = wait
            return state.nextID
        }
    }

    /// The wait moved to another phase.
    public func update(_ token: UInt64, phase: String) {
        state.withLock { $0.waits[token]?.phase = phase }
    }

    public func end(_ token: UInt64) {
        state.withLock { _ = $0.waits.removeValue(forKey: token) }
    }

    /// A run that made no progress for longer than its limit, and what it waits on.
    public struct Stall: Sendable, Equatable {
        public var idle: Duration
        /// The oldest wait of each stage that has one.
        public var waits: [Wait]

        /// What `stage` waits on, as a phrase: `waiting on GET … (in flight for 118 s)`.
        public func describe(stage: String, now: ContinuousClock.Instant) -> String {
            guard let wait = waits.first(where: { $0.stage == stage }) else {
                return "with no request in progress (waiting on its input, on room downstream, or inside the stage)"
            }
            return "waiting on \(wait.what) (\(wait.phase), for \(TimeText.seconds(now - wait.since)))"
        }
    }

    /// Nil while the run progresses; a `Stall` once it has made none for `limit`.
    public func stall(after limit: Duration) -> Stall? {
        let now = clock.now
        return state.withLock { state in
            let idle = now - state.lastProgress
            guard idle > limit else { return nil }
            var oldest: [String: Wait] = [:]
            for wait in state.waits.values {
                let key = wait.stage ?? ""
                if let known = oldest[key], known.since <= wait.since { continue }
                oldest[key] = wait
            }
            return Stall(idle: idle, waits: oldest.values.sorted { $0.since < $1.since })
        }
    }

    /// Returns a `Stall` once the run has made no progress for `limit`, checking a few times per
    /// limit; returns nil when the waiting task is cancelled (the run ended).
    public func watch(limit: Duration) async -> Stall? {
        let interval = min(limit / 4, .seconds(5))
        while true {
            do { try await Task.sleep(for: interval) } catch { return nil }
            if let stall = stall(after: limit) { return stall }
        }
    }

    /// The clock's now, for `Stall.describe`.
    public var now: ContinuousClock.Instant { clock.now }

    /// Begins a wait in the current task's run, if it belongs to one.
    public static func beginWait(_ what: String, phase: String) -> Waiting? {
        guard let activity = current else { return nil }
        return Waiting(activity: activity, token: activity.begin(what, phase: phase))
    }

    /// A wait registered with `beginWait`: move it to another phase, mark progress, end it.
    public struct Waiting: Sendable {
        let activity: RunActivity
        let token: UInt64

        public func phase(_ phase: String) { activity.update(token, phase: phase) }
        public func progressed() { activity.progressed() }
        public func end() { activity.end(token) }
    }
}
