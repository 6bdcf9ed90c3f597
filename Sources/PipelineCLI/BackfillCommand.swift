import Foundation
import HTTP
import Pipeline
import Storage

/// `pipeline backfill`: evaluates a pipeline at each step of a past range into the SQLite sink,
/// so that a history can be replayed into Datadog.
enum BackfillCommand {
    static let help = """
        Run a pipeline at every step of a past time range, storing the points in SQLite.

        usage: pipeline backfill FILE|NAME --from ISO8601 --to ISO8601 [--every SPAN] [--db PATH] [--var NAME=VALUE]…

          --from, --to   the range, inclusive (e.g. 2026-10-01T00:00:00Z)
          --every SPAN   the step (default 1d): 1h, 6h, 1d, 1w
          --db PATH      the SQLite database (default $PIPELINE_DB, else metrics.sqlite)

        The file's sinks are replaced by the SQLite sink. Each source is read once for the whole
        range: the first step (the newest) reaches back over the range, the others replay what it
        fetched, and each step's windows are computed from that step's time. Values that only
        exist "now" (open pull requests, the latest CI run) are those of the time of the backfill.
        Then: pipeline replay --db PATH --to datadog.
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(
            raw, command: "backfill", valued: ["--from", "--to", "--every", "--db", "--var"], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.count == 1 else { throw .usage("backfill takes one pipeline file", command: "backfill") }
        func time(_ flag: String) throws(CLIError) -> Double {
            guard let text = args.value(flag) else { throw .usage("\(flag) is required", command: "backfill") }
            guard let value = Timestamp.parse(text) else {
                throw .usage(
                    "\(flag) must be an ISO 8601 time such as 2026-10-01T00:00:00Z, got \"\(text)\"", command: "backfill")
            }
            return value.rounded(.down)
        }
        let from = try time("--from")
        let to = try time("--to")
        guard from <= to else { throw .usage("--from must not be after --to", command: "backfill") }
        let everyText = args.value("--every") ?? "1d"
        guard let every = TimeSpan(everyText), every.seconds >= 1 else {
            throw .usage("--every must be a span such as 1h or 1d, got \"\(everyText)\"", command: "backfill")
        }
        let steps = Int(((to - from) / every.seconds).rounded(.down)) + 1
        guard steps <= 10_000 else { throw .usage("\(steps) steps is too many; use a larger --every", command: "backfill") }

        let file = try PipelineFiles.resolve(args.positionals[0], command: "backfill")
        var loader = try PipelineLoader.forCommand(args, command: "backfill")
        loader.variables.secrets = try await PipelineFiles.secrets(in: file, command: "backfill")
        let database = args.value("--db") ?? ProcessInfo.processInfo.environment["PIPELINE_DB"] ?? "metrics.sqlite"
        loader.sinkOverride = ("sqlite", .object(JSONObject([("path", .string(database))])))
        let plan = try loader.plan(file)

        let logger = Logger.fromEnvironment()
        let http = Version.httpClient()
        defer { http.shutdown() }
        let cache = SourceCache()
        var worst = ExitCode.success
        logger.info(
            "backfilling \(plan.name) into \(database): \(steps) steps of \(everyText) from \(Timestamp.format(from)) to \(Timestamp.format(to))"
        )
        // Newest first: the first step fetches the whole range, the others replay it.
        for index in 0..<steps {
            let now = to - Double(index) * every.seconds
            var executor = Executor(plan: plan, now: now, logger: logger, services: [http])
            executor.sourceCache = cache
            executor.lookback = now - from
            let report = await executor.run()
            logger.info(
                "step \(index + 1)/\(steps) at \(Timestamp.format(now)): \(report.metricCount) metrics, \(report.errorCount) stage errors"
            )
            worst = max(worst, report.exitCode)
            if report.exitCode == ExitCode.sinkFailed { break }
        }
        return worst
    }
}
