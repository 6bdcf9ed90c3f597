import FakeGitHub
import Foundation
import Pipeline
import Testing

/// `pipeline run github --dry-run` end to end: the built binary against the fake GitHub on
/// 127.0.0.1, every metric checked against values computed from the fake's own data.
@Suite("GitHub collector, end to end")
struct GitHubCollectorTests {
    static let now = "2026-11-23T05:00:00Z"
    static let nowDate = Date(timeIntervalSince1970: Timestamp.parse(now)!)

    static func environment(_ fake: FakeGitHub, extra: [String: String] = [:]) -> [String: String] {
        ["GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_API_URL": fake.baseURL].merging(extra) { $1 }
    }

    static func run(_ fake: FakeGitHub, extra: [String: String] = [:]) async throws -> CLIRunner.Result {
        try await CLIRunner.run(
            ["run", "github", "--dry-run", "--format", "json", "--as-of", now], environment: environment(fake, extra: extra))
    }

    /// Every expected metric present with its value, and no GitHub metric that should be absent.
    static func expectMetrics(_ result: CLIRunner.Result, equal expected: [String: Double]) throws {
        let values = try result.values()
        for (metric, value) in expected.sorted(by: { $0.key < $1.key }) {
            guard let actual = values[metric] else {
                Issue.record("\(metric) missing; stderr: \(result.stderr)")
                continue
            }
            #expect(abs(actual - value) <= 1e-9 * max(1, abs(value)), "\(metric): \(actual) != \(value)")
        }
        let unexpected = values.keys.filter { $0.hasPrefix("github.") && expected[$0] == nil }
        #expect(unexpected.isEmpty, "metrics that should be absent: \(unexpected)")
    }

    @Test("every one of the 23 metrics equals the value computed from the fake's data")
    func allMetricsExact() async throws {
        let data = FakeGitHubData.edgeCases(now: Self.nowDate)
        let expected = data.expectedMetrics(now: Self.nowDate)
        #expect(expected.count == 23)
        let fake = try FakeGitHub(data: data)
        defer { fake.stop() }

        let result = try await Self.run(fake)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        try Self.expectMetrics(result, equal: expected)
        let values = try result.values()
        #expect(values["collector.github.metric_count"] == 23)
        #expect(values["collector.github.error_count"] == 0)
        #expect(values["collector.github.failed"] == nil)
        #expect((values["collector.github.duration_seconds"] ?? -1) >= 0)
    }

    @Test("every point carries the run's timestamp and the source, service, env and repo tags")
    func pointsCarryTimestampAndTags() async throws {
        let data = FakeGitHubData.edgeCases(now: Self.nowDate)
        let fake = try FakeGitHub(data: data)
        defer { fake.stop() }
        let result = try await Self.run(fake, extra: ["DD_ENV": "staging"])
        let points = try result.points()
        #expect(points.count == 29)  // 23 metrics, 3 health, 3 API usage (api_requests, api_cache_hits, rate_limit_remaining)
        for point in points {
            #expect(point["timestamp"]?.number == Self.nowDate.timeIntervalSince1970)
            #expect(point["type"]?.string == "gauge")
            let tags = Set(point["tags"]?.array?.compactMap(\.string) ?? [])
            #expect(tags == ["source:github-collector", "service:github-collector", "env:staging", "repo:octo-org/octo-repo"])
        }
    }

    @Test("5xx bursts, secondary and primary rate limits and dropped connections still give exact values")
    func exactUnderFaults() async throws {
        let data = FakeGitHubData.edgeCases(now: Self.nowDate)
        let fake = try FakeGitHub(data: data, faults: .flaky)
        defer { fake.stop() }
        let result = try await Self.run(fake)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        try Self.expectMetrics(result, equal: data.expectedMetrics(now: Self.nowDate))
        #expect(result.stderr.contains("retrying"), "the faults should have caused logged retries")
    }

    @Test("the token is sent as a Bearer header and never printed")
    func tokenSentNeverPrinted() async throws {
        let token = "ghp_secretTOKEN1234567890"
        let data = FakeGitHubData.edgeCases(now: Self.nowDate)
        let fake = try FakeGitHub(data: data, token: token, faults: .every(7, .serverError(status: 502)))
        defer { fake.stop() }
        let result = try await Self.run(fake, extra: ["GITHUB_TOKEN": token, "PIPELINE_LOG_LEVEL": "debug"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(fake.unauthenticatedRequestCount == 0)
        #expect(fake.authorizationHeaders.allSatisfy { $0 == "Bearer \(token)" })
        #expect(!result.stdout.contains("secretTOKEN"))
        #expect(!result.stderr.contains("secretTOKEN"))
    }

    @Test("a wrong token fails the run with one clear line, exit 1, and the failed health metric")
    func badCredentials() async throws {
        let data = FakeGitHubData.edgeCases(now: Self.nowDate)
        let fake = try FakeGitHub(data: data, token: "right-token")
        defer { fake.stop() }
        let result = try await Self.run(fake, extra: ["GITHUB_TOKEN": "wrong-token"])
        #expect(result.exitCode == 1)
        let values = try result.values()
        #expect(values.keys.filter { $0.hasPrefix("github.") }.isEmpty)
        #expect(values["collector.github.failed"] == 1)
        #expect(values["collector.github.error_count"] == 1)
        #expect(result.stderr.contains("stage repo failed: GET http://127.0.0.1"))
        #expect(result.stderr.contains("401"))
        #expect(!result.stderr.contains("wrong-token"))
    }

    @Test("a stage that keeps failing loses only the metrics that depend on it")
    func failureIsolated() async throws {
        let data = FakeGitHubData.edgeCases(now: Self.nowDate)
        // Every single-commit request fails with 500 after the others were served.
        let fake = try FakeGitHub(
            data: data, faults: FaultPlan(rules: []), failingPathPrefix: "/repos/octo-org/octo-repo/commits/")
        defer { fake.stop() }
        let result = try await Self.run(fake, extra: ["PIPELINE_RETRY_BASE_MS": "1"])
        #expect(result.exitCode == 1, "stderr: \(result.stderr)")
        var expected = data.expectedMetrics(now: Self.nowDate)
        for metric in ["github.code.lines_added_7d", "github.code.lines_deleted_7d", "github.code.files_changed_7d"] {
            expected[metric] = nil
        }
        try Self.expectMetrics(result, equal: expected)
        let values = try result.values()
        #expect(values["collector.github.error_count"] == 1)
        #expect(values["collector.github.metric_count"] == 20)
        #expect(values["collector.github.failed"] == nil)
    }
}
