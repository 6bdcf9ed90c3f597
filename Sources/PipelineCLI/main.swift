import Foundation
import Pipeline
import Sinks
import Storage

/// One of `pipeline`'s commands: what dispatch runs, and what the usage text and `help` say.
struct Command: Sendable {
    var name: String
    /// The command's arguments in the usage text (`FILE|NAME`).
    var arguments: String = ""
    /// The usage text's line.
    var summary: String
    /// `pipeline help NAME` (`pipeline NAME --help`).
    var help: String
    var run: @Sendable ([String]) async throws -> Int32

    /// The command with its arguments: `run FILE|NAME`.
    var synopsis: String { arguments.isEmpty ? name : "\(name) \(arguments)" }
}

/// Every command, in the order the usage text lists them.
let commands = [
    Command(
        name: "run", arguments: "FILE|NAME",
        summary: "run a pipeline once (--dry-run prints every metric instead of sending it)", help: RunCommand.help
    ) { try await RunCommand.main($0) },
    Command(
        name: "validate", arguments: "FILE…", summary: "check pipeline files without running them",
        help: ValidateCommand.help
    ) { try await ValidateCommand.main($0) },
    Command(
        name: "graph", arguments: "FILE", summary: "print a pipeline's stage graph (Graphviz DOT or Mermaid)",
        help: GraphCommand.help
    ) { try GraphCommand.main($0) },
    Command(
        name: "test", arguments: "[TESTFILE…]",
        summary: "run pipelines against recorded HTTP exchanges and check their metrics (pipelines/tests)",
        help: TestCommand.help
    ) { try await TestCommand.main($0) },
    Command(
        name: "backfill", arguments: "FILE", summary: "run a pipeline at every step of a past range into SQLite",
        help: BackfillCommand.help
    ) { try await BackfillCommand.main($0) },
    Command(
        name: "replay", arguments: "--db PATH", summary: "send stored points to Datadog (or stdout)",
        help: ReplayCommand.help
    ) { try await ReplayCommand.main($0) },
    Command(
        name: "check-datadog", summary: "check the Datadog API key (and DD_APP_KEY, if set) against its site",
        help: CheckDatadogCommand.help
    ) { try await CheckDatadogCommand.main($0) },
    Command(
        name: "outbox", summary: "show and act on points no run sends by itself (refused, for an old destination, …)",
        help: OutboxCommand.help
    ) { try await OutboxCommand.main($0) },
    Command(
        name: "docs", arguments: "[FILE|NAME…]", summary: "write the metric reference (docs/METRICS.md) from the pipeline files",
        help: DocsCommand.help
    ) { try DocsCommand.main($0) },
    Command(
        name: "dashboard", arguments: "FILE|NAME", summary: "print (or --apply) the collector's Datadog dashboard",
        help: DashboardCommand.help
    ) { try await DashboardCommand.main($0) },
    Command(
        name: "monitors", arguments: "FILE|NAME", summary: "print (or --apply) the collector's Datadog monitors",
        help: MonitorsCommand.help
    ) { try await MonitorsCommand.main($0) },
    Command(
        name: "list", summary: "list stage types with their options, and the pipelines found", help: ListCommand.help
    ) { try ListCommand.main($0) },
    Command(
        name: "schema", summary: "print the JSON Schema of pipeline files, for editors", help: SchemaCommand.help
    ) { try SchemaCommand.main($0) },
]

/// A usage-text line: the synopsis in a column of 20, then the summary.
func usageLine(_ synopsis: String, _ summary: String) -> String {
    "  " + synopsis.padding(toLength: max(20, synopsis.count + 1), withPad: " ", startingAt: 0) + summary
}

/// `pipeline`: runs declarative pipeline files that turn engineering-system APIs into metrics.
let usage =
    ([
        "pipeline — turn engineering-system APIs into metrics, from declarative pipeline files", "",
        "usage: pipeline COMMAND [options]", "", "commands:",
    ]
    + commands.map { usageLine($0.synopsis, $0.summary) }
    + [
        usageLine("help COMMAND", "show a command's help (also: pipeline COMMAND --help)"), "", "options:",
        usageLine("-h, --help", "show this help"), usageLine("--version", "show the version"),
    ]).joined(separator: "\n")

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
        if let found = commands.first(where: { $0.name == command }) { return try await found.run(rest) }
        switch command {
        case "help", "-h", "--help":
            if let topic = rest.first {
                guard let found = commands.first(where: { $0.name == topic }) else {
                    throw CLIError.usage("no command \"\(topic)\"", command: nil)
                }
                print(found.help)
            } else {
                print(usage)
            }
            return ExitCode.success
        case "--version":
            print("pipeline \(Version.current)")
            return ExitCode.success
        default:
            let hint =
                Suggest.closest(to: command, among: commands.map(\.name) + ["help"]).map { " (did you mean \($0)?)" } ?? ""
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

// Work runs off the main actor, whose thread waits for it (`runBlocking`).
let arguments = Array(CommandLine.arguments.dropFirst())
let code = runBlocking { await dispatch(arguments) }
// What a command printed (graph, validate, list, help) that could not be written fails it, as it
// fails the stdout sink of a run (which has said so already, and exits 3).
if code == ExitCode.success, let failure = StandardOutput.firstFailure {
    printError("error: \(failure)")
    exit(ExitCode.sinkFailed)
}
exit(code)
