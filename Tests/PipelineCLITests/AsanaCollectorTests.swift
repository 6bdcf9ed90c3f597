import FakeAsana
import FakeDatadog
import Foundation
import Pipeline
import Testing

/// `pipeline run pipelines/asana.json --dry-run` end to end: the built binary against the fake
/// Asana API, every metric of every configured project compared with the fake's own computation.
@Suite("Asana collector, end to end")
struct AsanaCollectorTests {
    static let asOf = "2026-11-23T12:00:00Z"
    static let now = Timestamp.parse(asOf)!
    static let projects = ["1001", "1002", "1003"]

    static func environment(_ fake: FakeAsana, projects: [String] = Self.projects) -> [String: String] {
        ["ASANA_API_URL": fake.baseURL, "ASANA_TOKEN": fake.token, "ASANA_PROJECTS": projects.joined(separator: ", ")]
    }

    static func run(_ fake: FakeAsana, projects: [String] = Self.projects) async throws -> CLIRunner.Result {
        try await CLIRunner.run(
            ["run", "pipelines/asana.json", "--dry-run", "--format", "json", "--as-of", asOf],
            environment: environment(fake, projects: projects))
    }

    /// The Asana points printed, as "metric [sorted tags]" → value (the pipeline's own tags left out).
    static func asanaPoints(_ result: CLIRunner.Result) throws -> [String: Double] {
        try MetricComparison.points(result, prefix: "asana.") { !$0.hasPrefix("source:") && !$0.hasPrefix("service:") }
    }

    static func expected(_ data: FakeAsanaData, projects: [String] = Self.projects) -> [String: Double] {
        Dictionary(
            uniqueKeysWithValues: data.expectedMetrics(projects: projects).map { ("\($0.metric) \($0.tags.sorted())", $0.value) })
    }

    /// A scheduled run's setting: the fake Asana and the fake Datadog intake around the wall clock
    /// (Datadog takes points up to an hour old), and a state directory, all removed afterwards.
    /// `environment` points the run at them.
    static func withDatadog(
        _ body: (_ fake: FakeAsana, _ datadog: FakeDatadog, _ environment: [String: String], _ now: Double) async throws -> Void
    ) async throws {
        let now = Date().timeIntervalSince1970.rounded(.down) - 60
        let fake = try FakeAsana(data: FakeAsanaData.generated(seed: 13, now: now))
        let datadog = try FakeDatadog()
        let state = NSTemporaryDirectory() + "asana-state-\(UUID().uuidString)"
        defer {
            fake.stop()
            datadog.stop()
            try? FileManager.default.removeItem(atPath: state)
        }
        var environment = environment(fake)
        environment["DD_URL"] = datadog.baseURL
        environment["DD_API_KEY"] = FakeDatadog.defaultAPIKey
        environment["PIPELINE_STATE_DIR"] = state
        try await body(fake, datadog, environment, now)
    }

    static func fake() throws -> FakeAsana {
        try FakeAsana(data: FakeAsanaData.generated(seed: 13, now: now))
    }

    @Test("every Asana metric of every project, the empty one included, equals the fake's computation; 8 requests")
    func metricsEqualExpected() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let result = try await Self.run(fake)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let expected = Self.expected(fake.data)
        #expect(expected.count == 30, "the empty project has no percentile to report")
        MetricComparison.expectSame(try Self.asanaPoints(result), expected)
        // One project request each, and the listings: two pages for each of the two projects with tasks, one for the empty.
        #expect(fake.requests.count == 8, "\(fake.requests)")
        #expect(fake.requests.filter { $0.hasPrefix("/tasks?") }.allSatisfy { $0.contains("limit=100") })
        let since = "completed_since=2026-11-16T00%3A00%3A00Z"
        #expect(fake.requests.contains { $0.contains(since) }, "the window's UTC day: \(fake.requests)")
        #expect(!result.stderr.contains(fake.token))
        #expect(try result.values()["collector.asana.api_requests"] == 8)
    }

    @Test("the same metrics under injected 429s (Retry-After) and 5xx answers, retried")
    func faultsAreRetried() async throws {
        for status in [429, 503, 500] {
            let fake = try Self.fake()
            defer { fake.stop() }
            fake.injectFaults(every: 3, status: status)
            let result = try await Self.run(fake)
            #expect(result.exitCode == 0, "\(status) stderr: \(result.stderr)")
            MetricComparison.expectSame(try Self.asanaPoints(result), Self.expected(fake.data))
            #expect(fake.requests.count == 11, "8 answers, and every third of the 11 requests a fault: \(fake.requests.count)")
        }
    }

    @Test("a scheduled run delivers every Asana metric and the health metrics to Datadog once, tagged, nothing printed")
    func deliversToDatadog() async throws {
        try await Self.withDatadog { fake, datadog, environment, now in
            var environment = environment
            environment["DD_ENV"] = "staging"
            let result = try await CLIRunner.run(
                ["run", "pipelines/asana.json", "--as-of", Timestamp.format(now)], environment: environment)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(datadog.duplicates.isEmpty)
            var received: [String: Double] = [:]
            for (key, value) in datadog.values where key.metric.hasPrefix("asana.") {
                #expect(key.timestamp == Int64(now))
                #expect(
                    key.tags.contains("service:asana-collector") && key.tags.contains("source:asana-collector")
                        && key.tags.contains("env:staging"), "\(key)")
                let own = key.tags.filter { !["service:", "source:", "env:"].contains(where: $0.hasPrefix) }
                received["\(key.metric) \(own.sorted())"] = value
            }
            MetricComparison.expectSame(received, Self.expected(fake.data))
            let health = Set(datadog.values.keys.map(\.metric).filter { $0.hasPrefix("collector.asana.") })
            #expect(
                health.isSuperset(of: [
                    "collector.asana.duration_seconds", "collector.asana.metric_count", "collector.asana.api_requests",
                ]))
            #expect(!result.stderr.contains(fake.token) && !result.stderr.contains(FakeDatadog.defaultAPIKey))
        }
    }

    @Test("with DD_APP_KEY the sink sets each metric's type, unit and description once; a second run sets nothing again")
    func setsMetricMetadataOnce() async throws {
        try await Self.withDatadog { fake, datadog, environment, now in
            // Every metadata body must be one Datadog's API client's MetricMetadata model accepts.
            try await DatadogBodyChecker.enforce(on: datadog)
            var environment = environment
            environment["DD_APP_KEY"] = FakeDatadog.defaultApplicationKey
            let arguments = ["run", "pipelines/asana.json", "--as-of", Timestamp.format(now)]
            let first = try await CLIRunner.run(arguments, environment: environment)
            #expect(first.exitCode == 0, "\(first.stderr)")
            let puts = datadog.objects.writes.filter { $0.path.hasPrefix("/api/v1/metrics/") }
            #expect(puts.count == 12, "one per asana key: \(puts.map(\.path))")
            #expect(puts.allSatisfy { $0.method == "PUT" && $0.authenticated })
            func field(_ metric: String, _ key: String) -> FakeJSON? {
                guard case .object(let object)? = datadog.objects.metricMetadata[metric] else { return nil }
                return object[key]
            }
            #expect(field("asana.tasks.open", "type") == .string("gauge"))
            #expect(field("asana.tasks.open", "unit") == .string("task"))
            #expect(field("asana.tasks.open", "description") == .string("open tasks of the project"))
            #expect(
                field("asana.tasks.cycle_time_days.p95", "description")
                    == .string("p95 of the days from creation to completion of the tasks completed in the last 7 days"))

            let second = try await CLIRunner.run(arguments, environment: environment)
            #expect(second.exitCode == 0, "\(second.stderr)")
            #expect(datadog.objects.writes.filter { $0.path.hasPrefix("/api/v1/metrics/") }.count == 12, "nothing changed")
            for output in [first.stderr, second.stderr] {
                #expect(!output.contains(FakeDatadog.defaultApplicationKey) && !output.contains(FakeDatadog.defaultAPIKey))
            }
        }
    }

    @Test("a wrong token fails the run with Asana's message, and the token is never printed")
    func wrongToken() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        var environment = Self.environment(fake)
        environment["ASANA_TOKEN"] = "wrong-token-1234"
        let result = try await CLIRunner.run(
            ["run", "pipelines/asana.json", "--dry-run", "--format", "json", "--as-of", Self.asOf], environment: environment)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("Not Authorized"), "\(result.stderr)")
        #expect(!result.stderr.contains("wrong-token-1234") && !result.stdout.contains("wrong-token-1234"))
    }

    /// The `project` stage runs once per project with `"on_input_error": "continue"`: an unknown
    /// project is an error of that stage (exit 1), and the other projects are still reported.
    @Test("an unknown project fails the project stage for it with Asana's message; the others are still reported")
    func unknownProject() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let result = try await Self.run(fake, projects: ["1001", "999", "1003"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("stage project: failed for an input record: "), "\(result.stderr)")
        #expect(result.stderr.contains("project: Unknown object: 999"), "\(result.stderr)")
        let values = try result.values()
        #expect(values["collector.asana.error_count"] == 1)
        #expect(values["collector.asana.failed"] == nil)
        var expected = Self.expected(fake.data, projects: ["1001", "1003"])
        // open_total is over the projects that could be read.
        expected["asana.tasks.open_total []"] = fake.data.expectedMetrics(projects: ["1001", "1003"]).last?.value
        MetricComparison.expectSame(try Self.asanaPoints(result), expected)
    }
}
