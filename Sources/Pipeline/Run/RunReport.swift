/// How a run went: each stage's outcome, the health numbers, and the exit code.
public struct RunReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        case finished
        /// The stage's own error: counted in `collector.N.error_count`.
        case failed(String)
        /// An upstream stage failed, so this one emitted nothing.
        case skipped(upstream: [String])
        case cancelled
        /// The stage did its work, but something of its own failed: a sink delivered, and its
        /// state file could not be written (`SinkStateError`). Counted in `error_count` (exit 1),
        /// not as a delivery failure.
        case finishedWithError(String)
    }

    public var outcomes: [String: Outcome]
    /// Sinks that could not deliver, with their error.
    public var sinkFailures: [String: String]
    public var metricCount: Int
    public var durationSeconds: Double
    /// The watchdog stopped the run: its stages made no progress for too long.
    public var stalled = false
    /// The run's deadline passed while stages were still producing: they were stopped.
    public var deadlineReached = false

    public var errorCount: Int {
        outcomes.values.filter {
            switch $0 {
            case .failed, .finishedWithError: true
            case .finished, .skipped, .cancelled: false
            }
        }.count
    }

    public var wasCancelled: Bool { outcomes.values.contains(.cancelled) }

    /// 0 success; 1 a stage failed or the run was stopped (a signal, its deadline); 3 a sink
    /// could not deliver.
    public var exitCode: Int32 {
        if !sinkFailures.isEmpty { return 3 }
        if errorCount > 0 || wasCancelled || deadlineReached { return 1 }
        return 0
    }

    /// The run failed as a whole: stopped (a signal, its deadline, the watchdog), or stages
    /// failed and no metric came out.
    public var failedAsWhole: Bool {
        wasCancelled || deadlineReached || stalled || (errorCount > 0 && metricCount == 0)
    }
}
