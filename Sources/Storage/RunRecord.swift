import Pipeline

/// One run of a pipeline as the metrics store keeps it (table `runs`).
public struct RunRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Every stage finished.
        case ok
        /// The run failed as a whole (`collector.<pipeline>.failed`).
        case failed
        /// Some stages failed, or the run has not reported its end (yet).
        case partial
    }

    public var runID: String
    public var pipeline: String
    /// Wall-clock seconds since the epoch.
    public var startedAt: Double
    /// nil while the run is in progress, or when it never reported its end.
    public var endedAt: Double?
    public var status: Status
    public var errorCount: Int
    public var metricCount: Int

    public init(
        runID: String, pipeline: String, startedAt: Double, endedAt: Double? = nil, status: Status = .partial,
        errorCount: Int = 0, metricCount: Int = 0
    ) {
        self.runID = runID
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.errorCount = errorCount
        self.metricCount = metricCount
    }
}
