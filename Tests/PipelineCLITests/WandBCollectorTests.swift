import FakeWandB
import Foundation
import Pipeline
import Testing

/// `pipeline run pipelines/wandb.json --dry-run` end to end: the built binary against the fake W&B
/// GraphQL API, every metric of every configured project compared with the fake's own computation.
@Suite("W&B collector, end to end")
struct WandBCollectorTests {
    static let asOf = "2026-11-23T12:00:00Z"
    static let now = Timestamp.parse(asOf)!
    static let projects = ["ml-team/vision", "ml-team/nlp", "ml-team/archive"]

    static func fake(oldRuns: Int = 40) throws -> FakeWandB {
        try FakeWandB(data: FakeWandBData.scenario(now: now, oldRuns: oldRuns))
    }

    static func environment(_ fake: FakeWandB, projects: [String] = Self.projects) -> [String: String] {
        ["WANDB_BASE_URL": fake.baseURL, "WANDB_API_KEY": fake.apiKey, "WANDB_PROJECTS": projects.joined(separator: ",")]
    }

    static func run(_ fake: FakeWandB, projects: [String] = Self.projects) async throws -> CLIRunner.Result {
        try await CLIRunner.run(
            ["run", "pipelines/wandb.json", "--dry-run", "--format", "json", "--as-of", asOf],
            environment: environment(fake, projects: projects))
    }

    /// The W&B points printed, as "metric [project tag]" → value.
    static func points(_ result: CLIRunner.Result) throws -> [String: Double] {
        try MetricComparison.points(result, prefix: "wandb.") { $0.hasPrefix("project:") }
    }

    static func expected(_ data: FakeWandBData, projects: [String] = Self.projects) -> [String: Double] {
        Dictionary(
            uniqueKeysWithValues: data.expectedMetrics(projects: projects).map { ("\($0.metric) \($0.tags.sorted())", $0.value) })
    }

    @Test("every W&B metric of every project, the empty one included, equals the fake's computation; two listings a project")
    func metricsEqualExpected() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let result = try await Self.run(fake)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let expected = Self.expected(fake.data)
        #expect(expected.count == 30, "11 metrics for each project with runs, 8 for the one without (nothing to rank or average)")
        MetricComparison.expectSame(try Self.points(result), expected)
        #expect(fake.requests.count == 6, "\(fake.requests.map(\.variables))")
        #expect(try result.values()["collector.wandb.api_requests"] == 6)
        #expect(!result.stderr.contains(fake.apiKey) && !result.stdout.contains(fake.apiKey))
    }

    @Test("each listing selects only what its metrics read: system metrics for running runs, summaries for the others")
    func listingsSelectOnlyWhatTheyNeed() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let result = try await Self.run(fake, projects: ["ml-team/vision"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let requests = fake.requests
        #expect(requests.count == 2)
        let running = try #require(requests.first { $0.query?.contains("RunningRuns") == true })
        let recent = try #require(requests.first { $0.query?.contains("RecentRuns") == true })
        #expect(running.runFields.contains("systemMetrics") && !running.runFields.contains("summaryMetrics"))
        #expect(recent.runFields.contains("summaryMetrics") && !recent.runFields.contains("systemMetrics"))
        #expect(!running.runFields.contains("config") && !recent.runFields.contains("config"))
        // The window's UTC day in the filter: the same request all day.
        guard case .string(let filters)? = recent.variables["filters"] else {
            Issue.record("no filters in \(recent.variables)")
            return
        }
        #expect(filters.contains("\"$gte\": \"2026-11-16T00:00:00Z\""), "\(filters)")
    }

    @Test("small pages: every run read once through the cursors, the same metrics")
    func pagesThroughCursors() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.setMaxPageSize(7)
        let result = try await Self.run(fake)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        MetricComparison.expectSame(try Self.points(result), Self.expected(fake.data))
        #expect(fake.requests.count > 12, "several pages a listing: \(fake.requests.count)")
        #expect(fake.requests.filter { $0.after != nil }.count == fake.requests.count - 6, "every later page by its cursor")
    }

    @Test("the same metrics under 429s (RateLimit-Reset) and 5xx answers, retried")
    func faultsAreRetried() async throws {
        for status in [429, 503, 500] {
            let fake = try Self.fake()
            defer { fake.stop() }
            fake.injectFaults(every: 3, status: status, resetSeconds: 1)
            let result = try await Self.run(fake)
            #expect(result.exitCode == 0, "\(status) stderr: \(result.stderr)")
            MetricComparison.expectSame(try Self.points(result), Self.expected(fake.data))
            #expect(fake.requests.filter(\.injectedFault).count >= 2, "\(status)")
        }
    }

    @Test("a project with 2,500 old runs costs the run no more requests than one with none")
    func oldRunsCostNothing() async throws {
        var counts: [Int] = []
        for oldRuns in [0, 2_500] {
            let fake = try Self.fake(oldRuns: oldRuns)
            defer { fake.stop() }
            let result = try await Self.run(fake)
            #expect(result.exitCode == 0, "stderr: \(result.stderr)")
            MetricComparison.expectSame(try Self.points(result), Self.expected(fake.data))
            counts.append(fake.requests.count)
        }
        #expect(counts[0] == counts[1], "\(counts)")
    }

    @Test("a GraphQL error (HTTP 200) or an unknown project fails only that project, with W&B's message")
    func oneProjectFails() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.failProject("ml-team/nlp", message: "project ml-team/nlp is temporarily unavailable")
        let result = try await Self.run(fake, projects: ["ml-team/vision", "ml-team/nlp", "ml-team/ghost"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("project ml-team/nlp is temporarily unavailable"), "\(result.stderr)")
        #expect(result.stderr.contains("W&B has no project ml-team/ghost that WANDB_API_KEY can read"), "\(result.stderr)")
        #expect(try result.values()["collector.wandb.error_count"] == 2, "each listing stage, for two projects")
        #expect(result.stderr.contains("stage running: failed for 2 input records: "), "\(result.stderr)")
        var expected = Self.expected(fake.data, projects: ["ml-team/vision"])
        // The failed projects' counts are still emitted by the configured list, at 0; sums too.
        for project in ["ml-team/nlp", "ml-team/ghost"] {
            for metric in [
                "runs.running", "runs.started_7d", "runs.finished_7d", "runs.failed_7d", "runs.stale", "gpus.active",
                "gpu.hours_7d", "users.active_7d",
            ] {
                expected["wandb.\(metric) [\"project:\(project)\"]"] = 0
            }
        }
        MetricComparison.expectSame(try Self.points(result), expected)
    }

    @Test("a revoked key fails the run with W&B's message, and the key is never printed")
    func revokedKey() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.revokeKey(fake.apiKey)
        let result = try await Self.run(fake)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("user is not logged in"), "\(result.stderr)")
        #expect(!result.stderr.contains(fake.apiKey) && !result.stdout.contains(fake.apiKey))
    }
}
