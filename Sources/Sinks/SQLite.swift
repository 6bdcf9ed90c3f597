import Foundation
import Pipeline
import Storage

/// `sqlite`: stores every point it receives in a metrics store (`MetricsDatabase`), and a `runs`
/// row for the run: started when the run started, ended when the points end, its status and
/// counts taken from the run's report (`PointStream.report`: what the health points say). Points are written in transactions of about `batchSize`; a point stored already
/// (same pipeline, metric, tags and timestamp: a retried run) is replaced, not duplicated.
///
/// Any storage error ends the sink with an error (the run exits 3); the `runs` row then keeps
/// status `partial`.
public struct SQLiteSink: Sink {
    public struct Options: Decodable, Sendable {
        /// The metrics store; default `$PIPELINE_DB`, else `metrics.sqlite` in the working directory.
        public var path: String?

        public init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            path = try reader.optional("path")
        }
    }

    public static let kind = StageKind.sink(
        "sqlite", summary: "store points and a record of each run in an SQLite file (replay them with sqlite_points)",
        options: Options.self, example: ["path": "metrics.sqlite"],
        optionDocs: [
            "path": "the metrics store (default $PIPELINE_DB, else metrics.sqlite)"
        ]
    ) { options, environment in
        if let path = options.path, path.isEmpty {
            throw OptionsDecoder.Failure(
                path: ["path"], message: "must not be empty; leave it out for $PIPELINE_DB or metrics.sqlite")
        }
        return SQLiteSink(path: options.path ?? MetricsDatabase.defaultPath(environment: environment))
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
        var pointCount = 0
        var pending: [MetricPoint] = []
        pending.reserveCapacity(batchSize)
        for try await batch in points {
            pointCount += batch.count
            pending += batch
            if pending.count >= batchSize {
                try store.write(pending, runID: runID, pipeline: context.run.pipeline)
                pending.removeAll(keepingCapacity: true)
            }
        }
        try store.write(pending, runID: runID, pipeline: context.run.pipeline)
        run.endedAt = clock()
        let report = points.report
        run.status = Self.status(of: report)
        run.errorCount = report?.errorCount ?? 0
        run.metricCount = report?.metricCount ?? 0
        try store.record(run)
        context.logger.debug("stored \(pointCount) points in \(path) (run \(runID), \(run.status.rawValue))")
    }

    /// failed when the run failed as a whole; partial when a stage failed or no report came (the
    /// run was stopped before the producing stages ended); else ok.
    static func status(of report: RunReport?) -> RunRecord.Status {
        guard let report else { return .partial }
        if report.failedAsWhole { return .failed }
        if report.errorCount > 0 { return .partial }
        return .ok
    }
}
