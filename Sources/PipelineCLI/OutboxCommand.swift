import Foundation
import Pipeline
import Sinks
import Storage

/// `pipeline outbox`: what waits in the state file that no run will send by itself, and the
/// few ways to act on it. Every run of the Datadog sink warns about such points (and counts them
/// in `collector.<pipeline>.points_stranded`) until one of these has dealt with them.
enum OutboxCommand {
    static let help = """
        Show and act on points no run will send by itself: queued for an earlier Datadog destination,
        refused by Datadog, too old to send, or in a damaged state file that was set aside.

        usage: pipeline outbox [list] [--pipeline NAME] [--state PATH]
               pipeline outbox move --from DESTINATION --to DESTINATION [--pipeline NAME] [--state PATH]
               pipeline outbox drop (--destination DESTINATION | --refused | --too-old) [--pipeline NAME] [--state PATH]
               pipeline outbox requeue --refused [--pipeline NAME] [--state PATH]
               pipeline outbox recover FILE [--state PATH]

          list          what waits, by pipeline and destination; the points Datadog refused, with its
                        reason; damaged state files set aside beside the state file (the default)
          move          re-address queued points to another destination (after DD_URL or DD_SITE changed:
                        the next run sends them there); a DESTINATION is written as the warnings show it,
                        datadog:https://api.datadoghq.eu
          drop          discard queued points for a destination, the refused points, or points older than
                        Datadog keeps without Historical Metrics Ingestion (an hour)
          requeue       queue the refused points again, once Datadog takes them
          recover       queue again what can be read of a damaged state file's points, then delete the
                        file (it is kept if part of it cannot be read)

          --pipeline NAME   only that pipeline's points (default: every pipeline)
          --state PATH      the state file (default: $PIPELINE_STATE_DIR/state.sqlite, as runs use)

        A run with the earlier destination (DD_URL or DD_SITE as they were) also sends its points there,
        and "historical": true on the sink sends old points once Historical Metrics Ingestion is enabled.

        exit codes: 0 done; 1 the state file cannot be used, or a damaged file was only partly read; 2 usage.
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(
            raw, command: "outbox", valued: ["--pipeline", "--state", "--from", "--to", "--destination"],
            boolean: ["--refused", "--too-old", "--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        let action = args.positionals.first ?? "list"
        let pipeline = args.value("--pipeline")
        let path = args.value("--state") ?? StateDatabase.defaultPath(environment: ProcessInfo.processInfo.environment)
        let actions = ["list", "move", "drop", "requeue", "recover"]
        guard actions.contains(action) else {
            let hint = Suggest.closest(to: action, among: actions).map { " (did you mean \($0)?)" } ?? ""
            throw .usage("unknown outbox action \"\(action)\"\(hint)", command: "outbox")
        }
        guard action == "recover" ? args.positionals.count == 2 : args.positionals.count <= 1 else {
            throw .usage(
                action == "recover" ? "recover takes the damaged file's path" : "\(action) takes no arguments",
                command: "outbox")
        }
        guard action == "recover" || FileManager.default.fileExists(atPath: path) else {
            if action == "list" {
                print("no state file at \(path): nothing waits")
                return ExitCode.success
            }
            throw .usage("no state file at \(path) (set PIPELINE_STATE_DIR or --state)", command: "outbox")
        }
        let outbox: Outbox
        do {
            outbox = try Outbox(path: path)
        } catch {
            printError("error: \(error)")
            return ExitCode.stageFailed
        }
        do {
            switch action {
            case "move":
                guard let from = args.value("--from"), let to = args.value("--to") else {
                    throw CLIError.usage("move needs --from DESTINATION and --to DESTINATION", command: "outbox")
                }
                let moved = try outbox.move(pipeline: pipeline, from: from, to: to)
                print("moved \(moved) points from \(from) to \(to); the next run sends them")
            case "drop":
                let choices = [args.value("--destination") != nil, args.has("--refused"), args.has("--too-old")]
                guard choices.filter({ $0 }).count == 1 else {
                    throw CLIError.usage("drop needs one of --destination DESTINATION, --refused, --too-old", command: "outbox")
                }
                if let destination = args.value("--destination") {
                    print(
                        "dropped \(try outbox.drop(pipeline: pipeline, destination: destination)) points queued for \(destination)"
                    )
                } else if args.has("--refused") {
                    print("dropped \(try outbox.dropRefused(pipeline: pipeline)) points Datadog refused")
                } else {
                    let cutoff = Int((Timestamp.now() - DatadogSink.maxPointAge).rounded(.down))
                    print("dropped \(try outbox.drop(pipeline: pipeline, before: cutoff)) points older than an hour")
                }
            case "requeue":
                guard args.has("--refused") else { throw CLIError.usage("requeue needs --refused", command: "outbox") }
                print("queued \(try outbox.requeueRefused(pipeline: pipeline)) refused points again; the next run sends them")
            case "recover":
                return try recover(args.positionals[1], into: outbox)
            default:
                list(outbox, pipeline: pipeline)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            printError("error: \(error)")
            return ExitCode.stageFailed
        }
        return ExitCode.success
    }

    private static func recover(_ file: String, into outbox: Outbox) throws -> Int32 {
        guard FileManager.default.fileExists(atPath: file) else {
            printError("error: no file at \(file)")
            return ExitCode.stageFailed
        }
        let recovery = try outbox.recover(from: file)
        if let problem = recovery.problem {
            printError(
                "error: queued \(recovery.points) points of \(file) again; the rest cannot be read (\(problem)); the "
                    + "file was kept: delete it once it is of no more use")
            return ExitCode.stageFailed
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        print("queued \(recovery.points) points of \(file) again and deleted it; the next runs send them")
        return ExitCode.success
    }

    private static func list(_ outbox: Outbox, pipeline: String?) {
        print("state file: \(outbox.path)")
        let cutoff = Int((Timestamp.now() - DatadogSink.maxPointAge).rounded(.down))
        do {
            let queued = try outbox.destinations(pipeline: pipeline)
            print(queued.isEmpty ? "queued: none" : "queued:")
            for entry in queued {
                let old = try outbox.count(pipeline: entry.pipeline, destination: entry.destination, before: cutoff)
                print(
                    "  \(entry.pipeline)  \(entry.destination)  \(entry.count) points, "
                        + "\(Timestamp.format(Double(entry.oldest))) to \(Timestamp.format(Double(entry.newest)))"
                        + (old > 0 ? " (\(old) older than an hour)" : ""))
            }
            let refused = try outbox.refused(pipeline: pipeline, limit: 100)
            let refusedCount = try outbox.refusedCount(pipeline: pipeline)
            print(refused.isEmpty ? "refused by Datadog: none" : "refused by Datadog (\(refusedCount) points, set aside):")
            for entry in refused {
                let tags = entry.point.tags.isEmpty ? "" : "{\(entry.point.tags.joined(separator: ","))}"
                print(
                    "  \(entry.pipeline)  \(entry.point.metric)\(tags) at \(Timestamp.format(Double(entry.point.timestamp)))"
                        + " = \(JSON.formatNumber(entry.point.value))  \(entry.destination): \(entry.reason)")
            }
            if refusedCount > refused.count { print("  … and \(refusedCount - refused.count) more") }
        } catch {
            printError("error: \(error)")
        }
        let damaged = StateDatabase.setAsideFiles(besides: outbox.path)
        print(damaged.isEmpty ? "damaged state files: none" : "damaged state files:")
        for file in damaged {
            switch StateDatabase.queuedPoints(inDamaged: file) {
            case .success(let count): print("  \(file): \(count) queued points")
            case .failure(let error): print("  \(file): queued points cannot be counted (\(error.message))")
            }
        }
    }
}
