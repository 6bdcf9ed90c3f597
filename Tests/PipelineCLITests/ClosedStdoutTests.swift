import FakeGitHub
import Foundation
import Pipeline
import Testing

/// `--dry-run` writes metrics on stdout: a write that fails fails the sink.
@Suite("pipeline run into a closed stdout")
struct ClosedStdoutTests {
    /// Runs the binary with stdout the write end of a pipe nobody reads (`| head -0`), or closed.
    static func run(_ arguments: [String], environment: [String: String], stdout: String) async throws -> (
        stderr: String, exitCode: Int32
    ) {
        let process = Process()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-stderr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: errURL) }
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        env["PIPELINE_STATE_DIR"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path
        process.environment = env
        process.currentDirectoryURL = CLIRunner.packageRoot
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        var writeEnd: FileHandle?
        if stdout == "closed" {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec \"$0\" \"$@\" >&-", CLIRunner.binary] + arguments
        } else {
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            close(fds[0])  // no reader, ever: every write is EPIPE (or SIGPIPE)
            let handle = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
            writeEnd = handle
            process.executableURL = URL(fileURLWithPath: CLIRunner.binary)
            process.arguments = arguments
            process.standardOutput = handle
        }
        let exited = AsyncStream<Void> { continuation in
            process.terminationHandler = { _ in
                continuation.yield()
                continuation.finish()
            }
        }
        try process.run()
        try writeEnd?.close()
        for await _ in exited {}
        let stderr = try String(contentsOf: errURL, encoding: .utf8)
        // Killed by a signal (SIGPIPE) shows as 128 + the signal, as a shell would.
        let code = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (stderr, code)
    }

    @Test(
        "a dry run into a pipe nobody reads, or a closed stdout, exits 3 with one error line",
        arguments: [
            ("broken-pipe", "json"), ("broken-pipe", "table"), ("closed", "json"), ("closed", "table"),
        ])
    func failedWriteFailsTheSink(stdout: String, format: String) async throws {
        let data = FakeGitHubData.edgeCases(now: GitHubCollectorTests.nowDate)
        let fake = try FakeGitHub(data: data)
        defer { fake.stop() }
        let result = try await Self.run(
            ["run", "github", "--dry-run", "--format", format, "--as-of", GitHubCollectorTests.now],
            environment: GitHubCollectorTests.environment(fake), stdout: stdout)
        #expect(result.exitCode == 3, "\(stdout) \(format): \(result.stderr)")
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1, "\(result.stderr)")
        #expect(errors.first?.contains("cannot write to stdout") == true, "\(result.stderr)")
        let reason = stdout == "closed" ? "(stdout is closed)" : "(the reader of stdout went away)"
        #expect(errors.first?.contains(reason) == true, "\(result.stderr)")
    }

    @Test(
        "graph and validate into a pipe nobody reads, or a closed stdout, exit 3 with one error line",
        arguments: [
            ("broken-pipe", ["graph", "github"]), ("closed", ["graph", "github"]),
            ("broken-pipe", ["validate", "github"]), ("closed", ["validate", "github"]),
        ])
    func failedWriteFailsTheCommand(stdout: String, arguments: [String]) async throws {
        let result = try await Self.run(arguments, environment: ["GITHUB_REPOSITORY": "octo-org/octo-repo"], stdout: stdout)
        #expect(result.exitCode == 3, "\(stdout) \(arguments): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: cannot write to stdout"), "\(result.stderr)")
    }
}
