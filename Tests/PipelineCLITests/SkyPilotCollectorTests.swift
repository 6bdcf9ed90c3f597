import FakeSkyPilot
import Foundation
import Pipeline
import SkyPilotPeer
import Testing

/// `pipeline run pipelines/skypilot.json --dry-run` end to end: the built binary against the fake
/// SkyPilot API server (asynchronous requests that take a while), every metric compared with the
/// fake's own computation; then against the real API server (skypilot from PyPI).
@Suite("SkyPilot collector, end to end")
struct SkyPilotCollectorTests {
    static let asOf = "2026-11-23T12:00:00Z"
    static let now = Timestamp.parse(asOf)!

    static func fake(token: String? = nil, basicAuth: (user: String, password: String)? = nil) throws -> FakeSkyPilot {
        try FakeSkyPilot(
            data: FakeSkyPilotData.scenario(seed: 13, now: now), token: token, basicAuth: basicAuth, requestDelay: 20...120)
    }

    static func run(endpoint: String, token: String? = nil, asOf: String = Self.asOf) async throws -> CLIRunner.Result {
        var environment = ["SKYPILOT_API_SERVER_ENDPOINT": endpoint]
        environment["SKYPILOT_SERVICE_ACCOUNT_TOKEN"] = token
        return try await CLIRunner.run(
            ["run", "pipelines/skypilot.json", "--dry-run", "--format", "json", "--as-of", asOf], environment: environment)
    }

    /// The SkyPilot points printed, as "metric [status tag]" → value.
    static func points(_ result: CLIRunner.Result) throws -> [String: Double] {
        try MetricComparison.points(result, prefix: "skypilot.") { $0.hasPrefix("status:") }
    }

    static func expected(_ points: [FakeSkyPilotPoint]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: points.map { ("\($0.metric) \($0.tags.sorted())", $0.value) })
    }

    /// What must never leave the server for the collector, nor be printed by it.
    static func expectNothingSecret(_ result: CLIRunner.Result, _ secrets: [String] = []) {
        for text in [result.stdout, result.stderr] {
            #expect(!text.contains(FakeSkyPilot.secretKeyMarker))
            #expect(!text.contains("gASV"), "no pickle is shown")
            for secret in secrets { #expect(!text.contains(secret)) }
        }
    }

    @Test("every SkyPilot metric equals the fake's computation; 6 requests; all users, never credentials")
    func metricsEqualExpected() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let result = try await Self.run(endpoint: fake.baseURL)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let expected = Self.expected(fake.expectedMetrics)
        #expect(expected.count == 25, "18 keys: 5 job statuses and 4 cluster statuses")
        MetricComparison.expectSame(try Self.points(result), expected)
        #expect(fake.requests.count == 6, "\(fake.requests.map(\.target))")
        #expect(try result.values()["collector.skypilot.api_requests"] == 6)
        let status = try JSONParser.parse(try #require(fake.bodies(of: "/status").first))
        #expect(status["include_credentials"] == false && status["all_users"] == true && status["refresh"] == "NONE")
        let queue = try JSONParser.parse(try #require(fake.bodies(of: "/jobs/queue/v2").first))
        #expect(queue["all_users"] == true && queue["skip_finished"] == false)
        let cost = try JSONParser.parse(try #require(fake.bodies(of: "/cost_report").first))
        #expect(cost["days"] == 8)
        Self.expectNothingSecret(result)
    }

    @Test("a service-account token is sent as a bearer token, and never printed")
    func serviceAccountToken() async throws {
        let token = "sky_0123456789abcdef-collector"
        let fake = try Self.fake(token: token)
        defer { fake.stop() }
        let denied = try await Self.run(endpoint: fake.baseURL)
        #expect(denied.exitCode == 1, "without the token every read fails")
        let result = try await Self.run(endpoint: fake.baseURL, token: token)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        MetricComparison.expectSame(try Self.points(result), Self.expected(fake.expectedMetrics))
        Self.expectNothingSecret(result, [token])
        Self.expectNothingSecret(denied, [token])
    }

    @Test("basic auth from user:password@ in the endpoint, the password never printed")
    func basicAuthInTheEndpoint() async throws {
        let fake = try Self.fake(basicAuth: ("collector", "s3cret-pass"))
        defer { fake.stop() }
        let endpoint = fake.baseURL.replacingOccurrences(of: "http://", with: "http://collector:s3cret-pass@")
        let result = try await Self.run(endpoint: endpoint)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        MetricComparison.expectSame(try Self.points(result), Self.expected(fake.expectedMetrics))
        Self.expectNothingSecret(result, ["s3cret-pass"])
        let wrong = try await Self.run(endpoint: endpoint.replacingOccurrences(of: "s3cret-pass", with: "wrong-pass"))
        #expect(wrong.exitCode == 1)
        Self.expectNothingSecret(wrong, ["wrong-pass"])
    }

    @Test("no jobs controller (ClusterNotUpError): job counts 0, nothing ranked, no error; clusters and costs reported")
    func controllerDown() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.failJobs(.clusterNotUp)
        let result = try await Self.run(endpoint: fake.baseURL)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let points = try Self.points(result)
        MetricComparison.expectSame(points, Self.expected(fake.expectedMetrics))
        #expect(points["skypilot.jobs.running []"] == 0 && points["skypilot.jobs.duration_minutes.p50 []"] == nil)
        #expect(points["skypilot.clusters.up []"] == 7)
        #expect(try result.values()["collector.skypilot.error_count"] == 0)
    }

    @Test("another failure of the job queue fails only the job metrics, with the server's type and message")
    func jobsFail() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.failJobs(.error(type: "ValueError", message: "Limit must be at least 1, got 0"))
        let result = try await Self.run(endpoint: fake.baseURL)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("ValueError: Limit must be at least 1, got 0"), "\(result.stderr)")
        let expected = Self.expected(fake.expectedMetrics).filter {
            !$0.key.hasPrefix("skypilot.jobs.") && !$0.key.hasPrefix("skypilot.users.")
        }
        MetricComparison.expectSame(try Self.points(result), expected)
        Self.expectNothingSecret(result)
    }

    @Test("an older server's bare list of job rows gives the same metrics")
    func bareList() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.serveJobsAsBareList()
        let result = try await Self.run(endpoint: fake.baseURL)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        MetricComparison.expectSame(try Self.points(result), Self.expected(fake.expectedMetrics))
    }

    @Test(
        "503s and dropped connections are retried: the same metrics",
        arguments: [FakeSkyPilot.Fault.status(503), .dropConnection])
    func faultsAreRetried(fault: FakeSkyPilot.Fault) async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        fake.injectFaults(every: 3, fault)
        let result = try await Self.run(endpoint: fake.baseURL)
        #expect(result.exitCode == 0, "\(fault) stderr: \(result.stderr)")
        MetricComparison.expectSame(try Self.points(result), Self.expected(fake.expectedMetrics))
        #expect(fake.requests.count > 6)
    }

    @Test(
        "against the real API server with no cloud: clusters and costs 0, the controller-down path for jobs, exit 0",
        .enabled(if: SkyPilotServer.unavailableReason == nil, "needs skypilot 0.14.1 in .venv-test: scripts/setup-test-peers.sh"))
    func realServer() async throws {
        let server = try await SkyPilotServer.start()
        let result: CLIRunner.Result
        do {
            result = try await Self.run(endpoint: server.endpoint, asOf: Timestamp.format(Date().timeIntervalSince1970))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("ClusterNotUpError"), "the controller-down path: \(result.stderr)")
        let points = try Self.points(result)
        for key in [
            "skypilot.clusters.up []", "skypilot.clusters.nodes []", "skypilot.clusters.without_autostop []",
            "skypilot.compute.hourly_cost_usd []", "skypilot.compute.total_cost_7d []", "skypilot.jobs.running []",
            "skypilot.jobs.queued []", "skypilot.users.active_7d []",
        ] {
            #expect(points[key] == 0, "\(key): \(String(describing: points[key]))")
        }
        #expect(points.count == 21, "every count and sum, no percentile (nothing to rank): \(points.keys.sorted())")
        Self.expectNothingSecret(result)
    }
}
