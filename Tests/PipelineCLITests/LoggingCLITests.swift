import FakeGitHub
import Foundation
import Pipeline
import Testing

/// What `pipeline run` writes on stderr: one `level: label: message` line per event, and with
/// PIPELINE_LOG_LEVEL=debug one line per HTTP request.
@Suite("pipeline run's log lines")
struct LoggingCLITests {
    /// stderr lines that are log lines (`level: label: …`).
    static func logLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { line in
            ["debug: ", "info: ", "warning: ", "error: "].contains { line.hasPrefix($0) }
        }
    }

    @Test("no log line repeats its label (the Datadog sink's lines said `out: out:`)")
    func labelsNotRepeated() async throws {
        let data = FakeGitHubData.edgeCases(now: GitHubCollectorTests.nowDate)
        let fake = try FakeGitHub(data: data)
        defer { fake.stop() }
        // Points at a past --as-of are held back (not sent), so nothing needs a Datadog.
        let result = try await CLIRunner.run(
            ["run", "github", "--as-of", GitHubCollectorTests.now],
            environment: GitHubCollectorTests.environment(
                fake, extra: ["DD_API_KEY": "0123456789abcdef", "DD_URL": "http://127.0.0.1:9", "PIPELINE_LOG_LEVEL": "debug"]))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = Self.logLines(result.stderr)
        #expect(lines.contains { $0.hasPrefix("warning: out: held back ") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("info: out: sent 0 points") }, "\(result.stderr)")
        for line in lines {
            let parts = line.components(separatedBy: ": ")
            #expect(parts.count < 3 || parts[1] != parts[2], "label repeated: \(line)")
        }
    }
}
