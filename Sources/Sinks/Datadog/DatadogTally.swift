import Synchronization

/// What one run of the Datadog sink did with the points it was given, for a command's closing
/// line: `pipeline replay` says what Datadog took, not what it read.
public final class DatadogTally: Sendable {
    public struct Counts: Sendable, Equatable {
        /// Points the sink was given (the run's health metrics included).
        public var received = 0
        /// Points Datadog answered 202 for.
        public var delivered = 0
        /// Points held back: older than an hour without `historical`, or more than ten minutes ahead.
        public var heldBack = 0
        /// Points Datadog refused (400).
        public var refused = 0
    }

    private let state = Mutex(Counts())

    public init() {}

    public var counts: Counts { state.withLock { $0 } }

    func record(_ counts: Counts) { state.withLock { $0 = counts } }
}
