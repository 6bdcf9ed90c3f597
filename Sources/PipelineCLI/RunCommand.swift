import Foundation
import HTTP
import Pipeline
import Sinks
import Storage

/// `pipeline run`: loads a pipeline file, runs it once, exits with a code that says how it went.
enum RunCommand {
    static let help = """
        Run a pipeline once.

        usage: pipeline run FILE|NAME [--dry-run] [--no-cache] [--format table|json] [--as-of ISO8601] [--deadline SPAN]
                                  [--stall-timeout SPAN] [--var NAME=VALUE]… [--record DIR]

        FILE|NAME       a pipeline file, or a name looked up in ./pipelines ($PIPELINES_DIR): github, github.json

        options:
          --dry-run            send every metric to stdout instead of the file's sinks; nothing leaves the machine
          --no-cache           run cold: neither use nor store the HTTP responses kept in the state file
          --format table|json  how stdout prints points: an aligned table (default on a terminal) or JSON Lines
          --as-of ISO8601      evaluate the pipeline at this time instead of now (e.g. 2026-11-01T00:00:00Z)
          --deadline SPAN      the run's budget (e.g. 10m, 780s): wins over the file's "deadline", which wins over
                               $PIPELINE_DEADLINE (the Helm chart sets it from the CronJob); default 10m
          --var NAME=VALUE     set a variable used as ${NAME} in the file (wins over the environment); repeatable
          --record DIR         keep every HTTP exchange of the stages' requests in DIR/exchanges.jsonl, secrets
                               removed (no request header, no credential in a URL; one there is replaced),
                               for `pipeline test` (see README.md, "Testing a pipeline change");
                               runs cold (as --no-cache); Datadog deliveries and the secrets backend are not kept
          --stall-timeout SPAN stop the run when its stages make no progress for this long (default 3m, or
                               $PIPELINE_STALL_TIMEOUT; 0 turns the watchdog off): each waiting stage fails,
                               naming the request it waits on; the sinks still deliver; exit 1
          -h, --help           show this help

        The deadline bounds every request (each attempt's timeout, every retry wait, Retry-After and
        rate-limit wait): a wait that cannot end before it fails at once. When it passes, the stages still
        producing are stopped as on SIGTERM, the sinks get 30 s more to deliver what they have and the
        health metrics (with collector.NAME.failed = 1), and the run exits 1. Per-request limits are the
        file's "http" settings (timeout, connect_timeout, max_response_bytes; see README.md).

        Metrics go to the file's sinks (stdout with --dry-run); logs go to stderr
        (PIPELINE_LOG_LEVEL=debug|info|warning|error). With PIPELINE_DB=PATH (and no --dry-run), every
        point is also stored in that SQLite database, for `pipeline replay` and `pipeline backfill`.
        API answers are kept in the state file ($PIPELINE_STATE_DIR/state.sqlite) and revalidated next run.

        exit codes:
          0  success
          1  a stage failed (the other stages' metrics were still delivered), or the run was stopped
             by its deadline or a signal
          2  usage error or an invalid pipeline file
          3  a sink could not deliver
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let started = Date()
        let args = try Arguments(
            raw, command: "run", valued: ["--format", "--as-of", "--var", "--deadline", "--stall-timeout", "--record"],
            boolean: ["--dry-run", "--no-cache", "--help"])
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
                throw .usage(
                    "--stall-timeout must be a time span such as 3m or 90s (0 to turn it off), got \"\(text)\"", command: "run")
            }
            return span
        }
        let environment = ProcessInfo.processInfo.environment
        let flagDeadline = try args.value("--deadline").map { (text: String) throws(CLIError) -> TimeSpan in
            try deadlineSpan(text, name: "--deadline")
        }
        let environmentDeadline = try environment["PIPELINE_DEADLINE"].flatMap { $0.isEmpty ? nil : $0 }.map {
            (text: String) throws(CLIError) -> TimeSpan in try deadlineSpan(text, name: "PIPELINE_DEADLINE")
        }
        let file = try PipelineFiles.resolve(args.positionals[0], command: "run")
        var loader = try PipelineLoader.forCommand(args, command: "run")
        // The file's own deadline is known once it is loaded, which needs its secrets first.
        let early = deadline(flag: flagDeadline, file: nil, environment: environmentDeadline, from: started)
        loader.variables.secrets = try await PipelineFiles.secrets(in: file, command: "run", deadline: early)
        let stdoutOptions: JSONObject = format.map { JSONObject([("format", .string($0.rawValue))]) } ?? JSONObject()
        loader.optionOverrides["stdout"] = stdoutOptions
        if args.has("--dry-run") {
            loader.sinkOverride = ("stdout", .object(stdoutOptions))
        } else if let database = ProcessInfo.processInfo.environment["PIPELINE_DB"], !database.isEmpty {
            // Keep every point locally too, for replay and backfill.
            loader.extraSinks = [("pipeline_db", "sqlite", .object(JSONObject([("path", .string(database))])))]
        }
        let plan = try loader.plan(file)
        let runDeadline = deadline(flag: flagDeadline, file: plan.deadline, environment: environmentDeadline, from: started)

        let logger = Logger.fromEnvironment()
        var recording: RecordingTransport?
        if let directory = args.value("--record") {
            do {
                recording = try RecordingTransport(directory: directory)
            } catch {
                throw .usage("--record: \(error)", command: "run")
            }
        }
        let http = Version.httpClient(exchangeHook: recording)
        defer { http.shutdown() }
        logger.info(
            "running \(plan.name) from \(file) with \(plan.stages.count) stages, as of \(Timestamp.format(now)); "
                + "\(runDeadline)")
        var executor = Executor(plan: plan, now: now, logger: logger, services: [http])
        executor.deadline = runDeadline
        if let stallTimeout {
            executor.stallTimeout = stallTimeout.seconds > 0 ? .milliseconds(Int64(stallTimeout.seconds * 1000)) : nil
        }
        if !args.has("--no-cache"), recording == nil, let cache = openResponseCache(logger: logger) {
            executor.services.append(cache)
        }
        let prepared = executor
        let report = await SignalHandling.stoppingOnTermination { await prepared.run(stoppingOn: $0) }
        let stopped =
            report.stalled
            ? ", stopped by the watchdog"
            : report.deadlineReached ? ", stopped at its deadline" : report.wasCancelled ? ", stopped by a signal" : ""
        logger.info(
            "\(plan.name) finished in \(String(format: "%.2f", report.durationSeconds)) s: \(report.metricCount) metrics, \(report.errorCount) stage errors\(stopped)"
        )
        if let recording {
            logger.info("recorded the run's HTTP exchanges in \(recording.directory)/\(HTTPRecording.fileName)")
        }
        return report.exitCode
    }
}

extension RunCommand {
    /// The run's deadline: `--deadline`, else the file's `deadline`, else `$PIPELINE_DEADLINE`,
    /// else 10 minutes, counted from when the command started.
    static func deadline(flag: TimeSpan?, file: TimeSpan?, environment: TimeSpan?, from start: Date) -> Deadline {
        if let flag { return Deadline(flag, setting: .flag, from: start) }
        if let file { return Deadline(file, setting: .file, from: start) }
        if let environment { return Deadline(environment, setting: .environment, from: start) }
        return Deadline(Deadline.standardBudget, setting: .standard, from: start)
    }

    static func deadlineSpan(_ text: String, name: String) throws(CLIError) -> TimeSpan {
        guard let span = TimeSpan(text), span.seconds > 0 else {
            throw .usage("\(name) must be a time span above zero such as 10m or 780s, got \"\(text)\"", command: "run")
        }
        return span
    }

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
    static func httpClient(deadline: Deadline? = nil, exchangeHook: (any HTTPExchangeHook)? = nil) -> HTTPClient {
        HTTPClient(
            configuration: HTTPClient.Configuration(
                userAgent: "pipeline/\(current) (+libcurl)", deadline: deadline, exchangeHook: exchangeHook))
    }
}
