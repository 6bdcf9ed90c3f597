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

    @Test("debug logging shows one line per HTTP request: method, redacted URL, status, time, and whether from the cache")
    func debugLineEveryRequest() async throws {
        try await ResponseCacheCLITests.withStateDirectory { state in
            let data = FakeGitHubData.edgeCases(now: ResponseCacheCLITests.first)
            let fake = try FakeGitHub(data: data)
            defer { fake.stop() }
            let debug = ["PIPELINE_LOG_LEVEL": "debug", "PIPELINE_STATE_DIR": state]

            let cold = try await CLIRunner.run(
                [
                    "run", "github", "--dry-run", "--format", "json", "--as-of",
                    Timestamp.format(ResponseCacheCLITests.first.timeIntervalSince1970),
                ],
                environment: GitHubCollectorTests.environment(fake, extra: debug))
            #expect(cold.exitCode == 0, "\(cold.stderr)")
            let coldRequests = Self.logLines(cold.stderr).filter { $0.hasPrefix("debug: http: GET \(fake.baseURL)/") }
            #expect(coldRequests.count == fake.requestCount, "\(coldRequests.count) lines for \(fake.requestCount) requests")
            #expect(coldRequests.allSatisfy { $0.contains(": 200 in ") && $0.hasSuffix(" ms") }, "\(coldRequests.prefix(3))")
            #expect(!coldRequests.contains { $0.contains("from the cache") })

            let before = fake.requestCount
            let warm = try await CLIRunner.run(
                [
                    "run", "github", "--dry-run", "--format", "json", "--as-of",
                    Timestamp.format(ResponseCacheCLITests.second.timeIntervalSince1970),
                ],
                environment: GitHubCollectorTests.environment(fake, extra: debug))
            #expect(warm.exitCode == 0, "\(warm.stderr)")
            let warmLines = Self.logLines(warm.stderr).filter { $0.hasPrefix("debug: http: GET \(fake.baseURL)/") }
            let sent = warmLines.filter { !$0.hasSuffix("not asked)") }
            #expect(sent.count == fake.requestCount - before)
            let hits = try #require(try warm.values()["collector.github.api_cache_hits"])
            #expect(hits > 0)
            #expect(Double(warmLines.filter { $0.contains("from the cache") }.count) == hits, "\(warmLines.prefix(5))")
            #expect(warmLines.contains { $0.contains(": 304 not modified in ") })
        }
    }
}
