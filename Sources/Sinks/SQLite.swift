import Foundation
import Pipeline
import Storage

/// `sqlite`: stores every point it receives in a metrics store (`MetricsDatabase`), and a `runs`
/// row for the run: started when the run started, ended when the points end, its status and
/// counts read from the run's health points (`collector.<pipeline>.error_count`, `.metric_count`,
/// `.failed`). Points are written in transactions of about `batchSize`; a point stored already
/// (same pipeline, metric, tags and timestamp: a retried run) is replaced, not duplicated.
///
/// Any storage error ends the sink with an error (the run exits 3); the `runs` row then keeps
/// status `partial`.
public struct SQLiteSink: Sink {
    public struct Options: Decodable, Sendable {
        /// The metrics store; default `$PIPELINE_DB`, else `metrics.sqlite` in the working directory.
        public var path: String?
    }

    public static let kind = StageKind.sink(
        "sqlite", summary: "store points and a record of each run in an SQLite file (replay them with sqlite_points)",
        options: Options.self, example: ["path": "metrics.sqlite"],
        optionDocs: [
            "path": "the metrics store (default $PIPELINE_DB, else metrics.sqlite)"
        ]
    ) { options in
        if let path = options.path, path.isEmpty {
            throw OptionsDecoder.Failure(
                path: ["path"], message: "must not be empty; leave it out for $PIPELINE_DB or metrics.sqlite")
        }
        return SQLiteSink(path: options.path ?? MetricsDatabase.defaultPath(environment: ProcessInfo.processInfo.environment))
    }

    public var path: String
    /// Points per transaction, at least: batches are gathered up to this size before a write.
    public var batchSize: Int
    /// The wall clock for `ended_at`.
    public var clock: @Sendable () -> Double

    public init(path: String, batchSize: Int = 1000, clock: @escaping @Sendable () -> Double = Timestamp.now) {
        self.path = path
        self.batchSize = batchSize
        self.clock = clock
    }

    public func run(points: PointStream, context: StageContext) async throws {
        let store = try MetricsDatabase(path: path)
        let runID = context.run.id
        var run = RunRecord(runID: runID, pipeline: context.run.pipeline, startedAt: context.run.startedAt, status: .partial)
        // Recorded first, so a run killed half-way leaves a row without an end.
        try store.record(run)
        var health = RunHealth(pipeline: context.run.pipeline)
        var pending: [MetricPoint] = []
        pending.reserveCapacity(batchSize)
        for try await batch in points {
            health.observe(batch)
            pending += batch
            if pending.count >= batchSize {
                try store.write(pending, runID: runID, pipeline: context.run.pipeline)
                pending.removeAll(keepingCapacity: true)
            }
        }
        try store.write(pending, runID: runID, pipeline: context.run.pipeline)
        run.endedAt = clock()
        run.status = health.status
        run.errorCount = health.errorCount
        run.metricCount = health.metricCount
        try store.record(run)
        context.logger.debug("stored \(health.pointCount) points in \(path) (run \(runID), \(run.status.rawValue))")
    }

    /// What the run's health points say about it.
    struct RunHealth {
        let errorCountMetric: String
        let metricCountMetric: String
        let failedMetric: String
        var errorCount = 0
        var metricCount = 0
        var failed = false
        /// Whether the health report arrived: the run reached its end.
        var reported = false
        var pointCount = 0

        init(pipeline: String) {
            errorCountMetric = "collector.\(pipeline).error_count"
            metricCountMetric = "collector.\(pipeline).metric_count"
            failedMetric = "collector.\(pipeline).failed"
        }

        mutating func observe(_ batch: [MetricPoint]) {
            pointCount += batch.count
            for point in batch where point.metric.hasPrefix("collector.") {
                switch point.metric {
                case errorCountMetric:
                    errorCount = Int(point.value)
                    reported = true
                case metricCountMetric:
                    metricCount = Int(point.value)
                    reported = true
                case failedMetric:
                    failed = failed || point.value > 0
                default: break
                }
            }
        }

        /// failed when the run failed as a whole; partial when a stage failed or no report came; else ok.
        var status: RunRecord.Status {
            if failed { return .failed }
            if errorCount > 0 || !reported { return .partial }
            return .ok
        }
    }
}
