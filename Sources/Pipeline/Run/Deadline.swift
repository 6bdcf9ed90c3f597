import Foundation

/// The time by which a run must end, and the setting it came from (named in every message
/// about it, so the message says what to change).
///
/// One per run, fixed when the run starts: `--deadline`, else `deadline` in the pipeline file,
/// else `$PIPELINE_DEADLINE` (the Helm chart sets it from the CronJob's `activeDeadlineSeconds`),
/// else 10 minutes. It bounds every HTTP attempt's timeout and every wait between attempts
/// (backoff, `Retry-After`, a rate limit's reset, rate-limit pacing); when it passes, the executor
/// stops the producing stages as SIGTERM does, and the sinks get `Executor.sinkGrace` more.
public struct Deadline: Sendable, Equatable, CustomStringConvertible {
    /// Where a run's deadline was set.
    public enum Setting: String, Sendable, Equatable {
        case flag = "--deadline"
        case file = "\"deadline\" in the pipeline file"
        case environment = "PIPELINE_DEADLINE"
        case standard = "the default"
    }

    /// 10 minutes: a run every 15 minutes leaves room for the next.
    public static let standardBudget = TimeSpan("10m")!

    /// The run's budget as written (`10m`).
    public var budget: TimeSpan
    public var setting: Setting
    /// When the run's budget is spent (wall clock).
    public var instant: Date
    /// Time granted past the run's deadline (sinks delivering what they have); zero for stages.
    public var grace: Duration = .zero

    /// A deadline `budget` after `start` (when the run started).
    public init(_ budget: TimeSpan, setting: Setting, from start: Date) {
        self.budget = budget
        self.setting = setting
        self.instant = start.addingTimeInterval(budget.seconds)
    }

    /// When this deadline passes: the run's, plus the grace.
    public var end: Date { instant.addingTimeInterval(TimeText.toSeconds(grace)) }

    /// Time left at `now`; zero once the deadline has passed.
    public func remaining(at now: Date) -> Duration {
        let seconds = end.timeIntervalSince(now)
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64((seconds * 1000).rounded(.down)))
    }

    /// The same deadline with `grace` more time.
    public func extended(by grace: Duration) -> Deadline {
        var extended = self
        extended.grace = grace
        return extended
    }

    /// `the run's deadline of 10m (PIPELINE_DEADLINE) at 2026-11-23T05:10:00Z`.
    public var description: String {
        let grace = self.grace > .zero ? " plus \(TimeText.seconds(self.grace)) for the sinks" : ""
        return "the run's deadline of \(budget) (\(setting.rawValue)) at \(TimeText.iso8601(instant))\(grace)"
    }

    /// What to do when the deadline is too short for the work.
    public var advice: String {
        switch setting {
        case .standard:
            "set a longer one with --deadline, \"deadline\" in the pipeline file or PIPELINE_DEADLINE, or make the run do less"
        default: "raise \(setting.rawValue), or make the run do less"
        }
    }
}
