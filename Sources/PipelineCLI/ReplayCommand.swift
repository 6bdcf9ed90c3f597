import Catalog
import Foundation
import HTTP
import Pipeline
import Sinks
import Storage

/// `pipeline replay`: pushes points stored by the SQLite sink to Datadog (or stdout), for a
/// backfill into a new account or metric, or to catch up after an outage.
enum ReplayCommand {
    static let help = """
        Send points stored in a SQLite database (by the sqlite sink or pipeline backfill) to a sink.

        usage: pipeline replay --db PATH [--since T] [--until T] [--metric GLOB] [--pipeline NAME] [--tag KEY:VALUE]…
                               [--to datadog|stdout] [--historical] [--format table|json]

          --db PATH          the SQLite database to read
          --since, --until   a time range, inclusive: ISO 8601 (2026-10-01T00:00:00Z) or a span back from now (30d)
          --metric GLOB      only metrics matching a glob (github.ci.*)
          --pipeline NAME    only points stored by this pipeline
          --tag KEY:VALUE    only points with this tag; repeatable
          --to datadog       send to Datadog (DD_API_KEY, DD_SITE or DD_URL); the default is stdout
          --historical       the metrics have Historical Metrics Ingestion enabled in Datadog, so points
                             older than one hour may be sent (Datadog drops them silently otherwise)

        A progress bar shows on a terminal (stderr). Exit codes as for run (3: Datadog could not
        take the points; they wait in the outbox for the next replay).
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(
            raw, command: "replay",
            valued: ["--db", "--since", "--until", "--metric", "--pipeline", "--tag", "--to", "--format"],
            boolean: ["--historical", "--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.isEmpty else { throw .usage("replay takes no positional arguments", command: "replay") }
        guard let database = args.value("--db") else { throw .usage("--db is required", command: "replay") }
        guard FileManager.default.fileExists(atPath: database) else {
            throw .usage("no database at \(database)", command: "replay")
        }
        let destination = args.value("--to") ?? "stdout"
        guard ["datadog", "stdout"].contains(destination) else {
            throw .usage("--to must be datadog or stdout, got \"\(destination)\"", command: "replay")
        }

        var source = JSONObject([("path", .string(database))])
        for (flag, key) in [("--since", "since"), ("--until", "until"), ("--metric", "metric"), ("--pipeline", "pipeline")] {
            if let value = args.value(flag) { source[key] = .string(value) }
        }
        if !args.values("--tag").isEmpty { source["tags"] = .array(args.values("--tag").map(JSON.string)) }
        var sink = JSONObject()
        if destination == "datadog" {
            // The points are stored already: stream them without the outbox.
            sink["outbox"] = false
            if args.has("--historical") { sink["historical"] = true }
        }
        if destination == "stdout", let format = args.value("--format") { sink["format"] = .string(format) }

        // A replay is itself a pipeline: stored points → sink.
        let file: JSON = [
            "name": "replay",
            "stages": [
                "stored": .object(JSONObject([("type", "sqlite_points")] + source.pairs)),
                "out": .object(JSONObject([("type", .string(destination)), ("inputs", ["stored"])] + sink.pairs)),
            ],
        ]
        var plan: PipelinePlan
        do {
            plan = try PipelineLoader(registry: StageCatalog.registry, variables: Variables()).load(
                Array(file.jsonText.utf8), file: "replay")
        } catch {
            throw .pipelineFile(error)
        }
        // The Datadog sink says what Datadog took, for the closing line.
        let tally = DatadogTally()
        for index in plan.stages.indices {
            guard case .sink(let sink as DatadogSink) = plan.stages[index].runtime else { continue }
            var counted = sink
            counted.tally = tally
            plan.stages[index].runtime = .sink(counted)
        }
        let logger = Logger.fromEnvironment()
        let http = Version.httpClient()
        defer { http.shutdown() }
        let executor = Executor(
            plan: Progress.inserted(into: plan, before: "out"), now: Timestamp.now(), logger: logger, services: [http])
        let report = await SignalHandling.stoppingOnTermination { await executor.run(stoppingOn: $0) }
        Progress.finish()
        logger.info(
            destination == "datadog"
                ? summary(read: report.metricCount, tally.counts) : "replay: \(report.metricCount) points to \(destination)")
        return report.exitCode
    }

    /// What Datadog took, not what was read: "replay: read 609 stored points; sent 0 points to
    /// Datadog; held back 609 …".
    static func summary(read: Int, _ counts: DatadogTally.Counts) -> String {
        var line = "replay: read \(read) stored points; sent \(counts.delivered) points to Datadog"
        if counts.delivered > 0 { line += " (the run's health metrics included)" }
        if counts.heldBack > 0 {
            line +=
                "; held back \(counts.heldBack) (older than an hour, which Datadog drops unless Historical Metrics "
                + "Ingestion is enabled for the metrics: then add --historical; or more than ten minutes ahead)"
        }
        if counts.refused > 0 { line += "; Datadog refused \(counts.refused)" }
        let unsent = counts.received - counts.delivered - counts.heldBack - counts.refused
        if unsent > 0 { line += "; \(unsent) not sent (the error above says why)" }
        return line
    }
}
