import Foundation
import Pipeline
import Sinks

/// `pipeline run`: loads a pipeline file, runs it once, exits with a code that says how it went.
enum RunCommand {
    static let help = """
        Run a pipeline once.

        usage: pipeline run FILE|NAME [--dry-run] [--no-cache] [--format table|json] [--as-of ISO8601] [--var NAME=VALUE]…
                                  [--stall-timeout SPAN]

        FILE|NAME       a pipeline file, or a name looked up in ./pipelines ($PIPELINES_DIR): github, github.json

        options:
          --dry-run            send every metric to stdout instead of the file's sinks; nothing leaves the machine
          --no-cache           run cold: neither use nor store the HTTP responses kept in the state file
          --format table|json  how stdout prints points: an aligned table (default on a terminal) or JSON Lines
          --as-of ISO8601      evaluate the pipeline at this time instead of now (e.g. 2026-11-01T00:00:00Z)
          --var NAME=VALUE     set a variable used as ${NAME} in the file (wins over the environment); repeatable
          --stall-timeout SPAN stop the run when its stages make no progress for this long (default 3m, or
                               $PIPELINE_STALL_TIMEOUT; 0 turns the watchdog off): each waiting stage fails,
                               naming the request it waits on; the sinks still deliver; exit 1
          -h, --help           show this help

        Metrics go to the file's sinks (stdout with --dry-run); logs go to stderr
        (PIPELINE_LOG_LEVEL=debug|info|warning|error). With PIPELINE_DB=PATH (and no --dry-run), every
        point is also stored in that SQLite database, for `pipeline replay` and `pipeline backfill`.
        API answers are kept in the state file ($PIPELINE_STATE_DIR/state.sqlite) and revalidated next run.

        exit codes:
          0  success
          1  the run finished but a stage failed (the other stages' metrics were still delivered)
          2  usage error or an invalid pipeline file
          3  a sink could not deliver
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "run", valued: ["--format", "--as-of", "--var", "--stall-timeout"], boolean: ["--dry-run", "--no-cache", "--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.count == 1 else {
            throw .usage(args.positionals.isEmpty ? "run needs a pipeline file" : "run takes one pipeline file", command: "run")
        }
        let format = try args.value("--format").map { (text: String) throws(CLIError) -> StdoutSink.Format in
            guard let format = StdoutSink.Format(rawValue: text) else {
                throw .usage("--format must be table or json, got \"\(text)\"", command: "run")
            }
            return format
        }
        var now = Timestamp.now().rounded(.down)
        if let asOf = args.value("--as-of") {
            guard let parsed = Timestamp.parse(asOf) else {
                throw .usage("--as-of must be an ISO 8601 time such as 2026-11-01T00:00:00Z, got \"\(asOf)\"", command: "run")
            }
            now = parsed.rounded(.down)
        }
        let stallText = args.value("--stall-timeout") ?? ProcessInfo.processInfo.environment["PIPELINE_STALL_TIMEOUT"]
        let stallTimeout = try stallText.map { (text: String) throws(CLIError) -> TimeSpan in
            guard let span = text == "0" ? TimeSpan(seconds: 0) : TimeSpan(text) else {
                throw .usage("--stall-timeout must be a time span such as 3m or 90s (0 to turn it off), got \"\(text)\"", command: "run")
            }
            return span
        }
        let file = try PipelineFiles.resolve(args.positionals[0], command: "run")
        var loader = try PipelineLoader.forCommand(args, command: "run")
        loader.variables.secrets = try await PipelineFiles.secrets(in: file, command: "run")
        let stdoutOptions: JSONObject = format.map { JSONObject([("format", .string($0.rawValue))]) } ?? JSONObject()
        loader.optionOverrides["stdout"] = stdoutOptions
        if args.has("--dry-run") {
            loader.sinkOverride = ("stdout", .object(stdoutOptions))
        } else if let database = ProcessInfo.processInfo.environment["PIPELINE_DB"], !database.isEmpty {
            // Keep every point locally too, for replay and backfill.
            loader.extraSinks = [("pipeline_db", "sqlite", .object(JSONObject([("path", .string(database))])))]
        }
        let plan = try loader.plan(file)

        let logger = Logger.fromEnvironment()
        let http = Version.httpClient()
        defer { http.shutdown() }
        logger.info("running \(plan.name) from \(file) with \(plan.stages.count) stages, as of \(Timestamp.format(now))")
        var executor = Executor(plan: plan, now: now, logger: logger, http: http)
        if let stallTimeout {
            executor.stallTimeout = stallTimeout.seconds > 0 ? .milliseconds(Int64(stallTimeout.seconds * 1000)) : nil
        }
        if !args.has("--no-cache") {
            executor.responseCache = openResponseCache(logger: logger)
        }
        let prepared = executor
        let report = await SignalHandling.stoppingOnTermination { await prepared.run(stoppingOn: $0) }
        let stopped = report.stalled ? ", stopped by the watchdog" : report.wasCancelled ? ", stopped by a signal" : ""
        logger.info(
            "\(plan.name) finished in \(String(format: "%.2f", report.durationSeconds)) s: \(report.metricCount) metrics, \(report.errorCount) stage errors\(stopped)")
        return report.exitCode
    }
}

extension RunCommand {
    /// The response cache in the state file, or nil (a cold run) when it cannot be used. A
    /// damaged file is set aside (kept for inspection) and a fresh one started: this run is cold.
    static func openResponseCache(logger: Logger) -> ResponseCache? {
        let path = StateDatabase.defaultPath(environment: ProcessInfo.processInfo.environment)
        do {
            return try ResponseCache(path: path)
        } catch let error as SQLiteError where error.isCorruption {
            do {
                let setAside = try StateDatabase.setAside(path: path)
                logger.error(
                    "the state file at \(path) was damaged (\(error)); it was set aside as \(setAside) with its cached "
                        + "responses and " + StateDatabase.describeQueuedPoints(inSetAside: setAside)
                        + "; this run goes on without cached responses")
                return try ResponseCache(path: path)
            } catch {
                logger.error("cannot start a fresh state file at \(path) (\(error)); this run goes on without cached responses")
                return nil
            }
        } catch {
            logger.error("cannot open the state file at \(path) (\(error)); this run goes on without cached responses")
            return nil
        }
    }
}

enum Version {
    static let current = "0.1.0"

    /// The HTTP client of one command: shared by every stage, so the per-host bound holds run-wide.
    static func httpClient() -> HTTPClient {
        HTTPClient(configuration: HTTPClient.Configuration(userAgent: "pipeline/\(current) (+libcurl)"))
    }
}
