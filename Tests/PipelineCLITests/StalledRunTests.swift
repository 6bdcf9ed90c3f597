import FakeGitHub
import Foundation
import Pipeline
import Testing

/// The stress loop's "hang", as it was: a long-lived fake GitHub whose token was nearly spent made
/// every request wait its share of the hour until the rate limit's reset, so a run never ended
/// within its CronJob. A run must end promptly instead, naming what it waited on.
@Suite("A run that cannot progress ends, and says why", .timeLimit(.minutes(2)))
struct StalledRunTests {
    @Test func aNearlySpentTokenEndsTheRunPromptlyNamingTheRateLimit() async throws {
        let now = GitHubCollectorTests.nowDate
        let fake = try FakeGitHub(data: FakeGitHubData.edgeCases(now: now), rateLimitRemaining: 240)
        defer { fake.stop() }
        let clock = ContinuousClock()
        let started = clock.now

        let result = try await CLIRunner.run(
            ["run", "github", "--dry-run", "--format", "json", "--as-of", GitHubCollectorTests.now, "--stall-timeout", "3s"],
            environment: GitHubCollectorTests.environment(fake))
        let elapsed = clock.now - started

        #expect(elapsed < .seconds(45), "took \(elapsed)")
        #expect(result.exitCode == 1, "\(result.stderr)")
        #expect(result.stderr.contains("rate-limit budget") || result.stderr.contains("rate limit"), "\(result.stderr)")
        let values = try result.values()
        #expect(values["collector.github.failed"] == 1)
        #expect((values["collector.github.error_count"] ?? 0) >= 1)
    }

    @Test func aStallTimeoutThatIsNotATimeSpanIsAUsageError() async throws {
        let result = try await CLIRunner.run(
            ["run", "github", "--stall-timeout", "soon"], environment: ["GITHUB_REPOSITORY": "o/r"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("--stall-timeout must be a time span"), "\(result.stderr)")
    }
}
