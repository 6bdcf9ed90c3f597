import Foundation
import Pipeline
import Storage

/// Points that no run of this sink will send until someone acts, surveyed at the start of each
/// run's delivery and reported every time: a warning per kind that says how many and what to do,
/// and health metrics (`docs/METRICS.md`):
///
/// - `collector.<pipeline>.points_stranded{reason:other_destination}`: queued for a Datadog
///   endpoint this sink no longer sends to (`DD_URL`, `DD_SITE`, `url` or `site` changed). Acting:
///   one run with the old destination sends them there; `pipeline outbox move` re-addresses them
///   to the current one; `pipeline outbox drop --destination` discards them.
/// - `{reason:refused}`: Datadog refused them (400) and the sink set them aside. Acting:
///   `pipeline outbox requeue --refused` (once Datadog takes them) or `drop --refused`.
/// - `{reason:too_old}`: older than Datadog keeps without Historical Metrics Ingestion (the
///   held-back warning says so). Acting: `historical: true` once it is enabled, or `drop --too-old`.
/// - `collector.<pipeline>.damaged_state_files`: state files set aside as damaged beside the state
///   file, whose queued points no run sends. Acting: `pipeline outbox recover FILE`, or deleting it.
///
/// Every series is sent on every run that carries its health metrics (every `pipeline run`; not a
/// tool's `deliver`), 0 when nothing is stranded, so a monitor on `> 0` resolves once someone has
/// acted. They are queued like the run's other points. Points refused during a run are counted
/// from the next run on (that run's error names them).
struct DatadogStranded {
    var otherDestinations: [QueuedSummary] = []
    var refused = 0
    var tooOld = 0
    var damagedFiles: [String] = []

    /// What waits in `outbox` for `pipeline` that this run will not send.
    static func survey(
        outbox: Outbox, pipeline: String, destination: String, configuration: DatadogSink.Configuration,
        log: DatadogLog
    ) -> DatadogStranded {
        var stranded = DatadogStranded()
        do {
            stranded.otherDestinations = try outbox.destinations(pipeline: pipeline).filter {
                $0.destination != destination && $0.destination.hasPrefix("datadog:")
            }
            stranded.refused = try outbox.refusedCount(pipeline: pipeline)
            if !configuration.historical {
                let cutoff = Int((configuration.wallClock() - DatadogSink.maxPointAge).rounded(.down))
                stranded.tooOld = try outbox.count(pipeline: pipeline, destination: destination, before: cutoff)
            }
        } catch {
            log.warning("cannot survey the outbox for points no run sends: \(error)")
        }
        stranded.damagedFiles = StateDatabase.setAsideFiles(besides: configuration.statePath)
        return stranded
    }

    /// One warning per kind of stranded point (too-old points have the held-back warning), but
    /// none for the damaged file `except` (set aside by this run, whose error says so). The
    /// commands they suggest name the state file unless it is the default in `environment`.
    func warnings(
        pipeline: String, destination: String, statePath: String, except: String? = nil, environment: [String: String]
    ) -> [String] {
        let state =
            statePath == Outbox.defaultPath(environment: environment)
            ? "" : " --state \(statePath)"
        var warnings: [String] = []
        for other in otherDestinations {
            warnings.append(
                "\(other.count) points of pipeline \(pipeline) wait in the outbox for \(other.destination), which "
                    + "this run does not send to (it sends to \(destination): DD_URL, DD_SITE or the sink's url or "
                    + "site changed). A run with that destination sends them there; "
                    + "`pipeline outbox move\(state) --pipeline \(pipeline) --from \(other.destination) --to "
                    + "\(destination)` sends them here instead; `pipeline outbox drop\(state) --pipeline \(pipeline) "
                    + "--destination \(other.destination)` discards them")
        }
        if refused > 0 {
            warnings.append(
                "\(refused) points of pipeline \(pipeline) that Datadog refused are set aside in the state file "
                    + "(\(statePath)): `pipeline outbox\(state)` lists them with Datadog's reason; "
                    + "`pipeline outbox requeue\(state) --refused --pipeline \(pipeline)` queues them again once "
                    + "Datadog takes them, `pipeline outbox drop\(state) --refused --pipeline \(pipeline)` discards them")
        }
        for file in damagedFiles where file != except {
            warnings.append(
                "the damaged state file \(file), set aside from \(statePath), holds "
                    + StateDatabase.describeQueuedPoints(inSetAside: file))
        }
        return warnings
    }

    /// The health points of the survey, at the run's time with the pipeline's tags.
    func points(context: StageContext) -> [MetricPoint] {
        let prefix = "collector.\(context.run.pipeline)"
        let others = otherDestinations.reduce(0) { $0 + $1.count }
        return [("other_destination", others), ("refused", refused), ("too_old", tooOld)].map { reason, count in
            context.point("\(prefix).points_stranded", Double(count), extraTags: ["reason:\(reason)"])
        } + [context.point("\(prefix).damaged_state_files", Double(damagedFiles.count))]
    }
}
