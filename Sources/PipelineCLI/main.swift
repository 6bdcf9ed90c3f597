import Foundation
import Pipeline
import Sinks
import Storage

/// `pipeline`: runs declarative pipeline files that turn engineering-system APIs into metrics.
let usage = """
    pipeline — turn engineering-system APIs into metrics, from declarative pipeline files

    usage: pipeline COMMAND [options]

    commands:
      run FILE|NAME       run a pipeline once (--dry-run prints every metric instead of sending it)
      validate FILE…      check pipeline files without running them
      graph FILE          print a pipeline's stage graph (Graphviz DOT or Mermaid)
      backfill FILE       run a pipeline at every step of a past range into SQLite
      replay --db PATH    send stored points to Datadog (or stdout)
      check-datadog       check the Datadog API key (DD_API_KEY) against its site
      outbox              show and act on points no run sends by itself (refused, for an old destination, …)
      list                list stage types with their options, and the pipelines found
      help COMMAND        show a command's help (also: pipeline COMMAND --help)

    options:
      -h, --help          show this help
      --version           show the version
    """

/// One line on stderr, scrubbed of every secret value the run resolved.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((SecretRedaction.shared.redact(text) + "\n").utf8))
}

func dispatch(_ arguments: [String]) async -> Int32 {
    guard let command = arguments.first else {
        printError(usage)
        return ExitCode.usage
    }
    let rest = Array(arguments.dropFirst())
    do {
        switch command {
        case "run": return try await RunCommand.main(rest)
        case "validate": return try await ValidateCommand.main(rest)
        case "graph": return try GraphCommand.main(rest)
        case "list": return try ListCommand.main(rest)
        case "backfill": return try await BackfillCommand.main(rest)
        case "replay": return try await ReplayCommand.main(rest)
        case "check-datadog": return try await CheckDatadogCommand.main(rest)
        case "outbox": return try await OutboxCommand.main(rest)
        case "help", "-h", "--help":
            let helps = [
                "run": RunCommand.help, "validate": ValidateCommand.help, "graph": GraphCommand.help, "list": ListCommand.help,
                "backfill": BackfillCommand.help, "replay": ReplayCommand.help, "check-datadog": CheckDatadogCommand.help,
                "outbox": OutboxCommand.help,
            ]
            if let topic = rest.first {
                guard let help = helps[topic] else { throw CLIError.usage("no command \"\(topic)\"", command: nil) }
                print(help)
            } else {
                print(usage)
            }
            return ExitCode.success
        case "--version":
            print("pipeline \(Version.current)")
            return ExitCode.success
        default:
            let hint =
                Suggest.closest(
                    to: command,
                    among: ["run", "validate", "graph", "list", "backfill", "replay", "check-datadog", "outbox", "help"]
                ).map { " (did you mean \($0)?)" } ?? ""
            throw CLIError.usage("unknown command \"\(command)\"\(hint)", command: nil)
        }
    } catch let error as CLIError {
        printError(error.description)
        return error.exitCode
    } catch {
        printError("error: \(error)")
        return ExitCode.usage
    }
}

// A reader that goes away (`pipeline run github --dry-run | head -1`) makes writes to stdout fail
// with EPIPE, which the stdout sink reports (exit 3), instead of SIGPIPE killing the run unheard.
signal(SIGPIPE, SIG_IGN)

// Started with stdin, stdout or stderr closed (`pipeline run … >&-`), the first file the run opens
// (the state database, a socket) would take that number and receive the metrics or the logs.
// /dev/null opened read-only holds the number instead: reading gives nothing, writing fails
// (EBADF), so the stdout sink reports that stdout is closed.
for descriptor: Int32 in [0, 1, 2] where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
    let placeholder = open("/dev/null", O_RDONLY)
    if placeholder >= 0, placeholder != descriptor {
        dup2(placeholder, descriptor)
        close(placeholder)
    }
}

// Work runs in a child task, off the main actor (top-level code is main-actor isolated).
let code = await withTaskGroup(of: Int32.self) { group in
    group.addTask { await dispatch(Array(CommandLine.arguments.dropFirst())) }
    return await group.next() ?? ExitCode.usage
}
// What a command printed (graph, validate, list, help) that could not be written fails it, as it
// fails the stdout sink of a run (which has said so already, and exits 3).
if code == ExitCode.success, let failure = StandardOutput.firstFailure {
    printError("error: \(failure)")
    exit(ExitCode.sinkFailed)
}
exit(code)
