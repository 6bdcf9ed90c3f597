import FakeDatadog
import Foundation
import Pipeline
import Testing

/// `pipeline dashboard NAME`: the dashboard of every shipped collector, checked against the
/// pipeline file, against Datadog's published models, and applied to the fake Datadog.
@Suite("pipeline dashboard")
struct DashboardCommandTests {
    static let collectors = ["github", "ec2", "asana", "wandb", "skypilot"]

    /// The template variables each collector should offer (beyond env).
    static let scopeVariables = ["github": ["repo"], "ec2": ["region"], "asana": ["project"], "wandb": ["project"]]

    /// Every metric stage of a pipeline file: the metric key and its unit.
    static func declared(_ name: String) throws -> [(metric: String, unit: String)] {
        let data = try Data(contentsOf: CLIRunner.packageRoot.appendingPathComponent("pipelines/\(name).json"))
        let file = try JSONParser.parse(String(decoding: data, as: UTF8.self))
        return (file["stages"]?.object ?? JSONObject()).compactMap { stage in
            guard let metric = stage.value["metric"]?.string, let unit = stage.value["unit"]?.string else { return nil }
            return (metric, unit)
        }
    }

    /// Every widget under `json` (groups opened), as its definition.
    static func widgets(_ json: JSON) -> [JSON] {
        (json["widgets"]?.array ?? []).flatMap { widget -> [JSON] in
            guard let definition = widget["definition"] else { return [] }
            return definition["type"]?.string == "group" ? widgets(definition) : [definition]
        }
    }

    static func query(_ widget: JSON) -> String {
        widget["requests"]?.array?.first?["queries"]?.array?.first?["query"]?.string ?? ""
    }

    static func unit(_ widget: JSON) -> String? {
        widget["requests"]?.array?.first?["formulas"]?.array?.first?["number_format"]?["unit"]?["unit_name"]?.string
    }

    static func dashboard(_ name: String) async throws -> JSON {
        let result = try await CLIRunner.run(["dashboard", name])
        #expect(result.exitCode == 0, "\(result.stderr)")
        return try JSONParser.parse(result.stdout)
    }

    @Test("every declared metric has a widget with its unit, in its group", arguments: collectors)
    func everyMetricHasAWidget(_ name: String) async throws {
        let dashboard = try await Self.dashboard(name)
        let widgets = Self.widgets(dashboard)
        let declared = try Self.declared(name)
        #expect(!declared.isEmpty)
        for (metric, unit) in declared {
            let matching = widgets.filter { Self.query($0).contains(":\(metric){") || Self.query($0).contains(":\(metric).") }
            #expect(!matching.isEmpty, "no widget for \(metric)")
            for widget in matching {
                #expect(Self.unit(widget) == unit, "\(metric): unit \(Self.unit(widget) ?? "none"), declared \(unit)")
                #expect(widget["title"]?.string?.hasSuffix("(\(unit))") == true)
                #expect(["timeseries", "query_value"].contains(widget["type"]?.string ?? ""))
            }
        }
        let groups = (dashboard["widgets"]?.array ?? []).compactMap { $0["definition"]?["title"]?.string }
        #expect(groups.last == "Collector health")
        #expect(groups.count >= 2, "\(groups)")
        #expect(dashboard["description"]?.string?.contains("[managed-by:pipeline pipeline-dashboard:\(name)]") == true)
    }

    @Test("the health group charts duration, metric count, errors and failed runs", arguments: collectors)
    func healthGroup(_ name: String) async throws {
        let dashboard = try await Self.dashboard(name)
        let health = try #require(dashboard["widgets"]?.array?.last?["definition"])
        let queries = Self.widgets(health).map(Self.query)
        for metric in ["duration_seconds", "metric_count", "error_count", "failed"] {
            #expect(queries.contains { $0.contains(":collector.\(name).\(metric){") }, "\(metric) in \(queries)")
        }
        #expect(queries.allSatisfy { $0.contains("service:\(name)-collector") && $0.contains("$env") })
    }

    @Test("template variables: env and the collector's tags, used in the queries", arguments: collectors)
    func templateVariables(_ name: String) async throws {
        let dashboard = try await Self.dashboard(name)
        let variables = (dashboard["template_variables"]?.array ?? []).compactMap { $0["name"]?.string }
        #expect(variables.first == "env")
        for expected in Self.scopeVariables[name] ?? [] {
            #expect(variables.contains(expected), "\(name): \(variables)")
            #expect(Self.widgets(dashboard).contains { Self.query($0).contains("$\(expected)") })
        }
        #expect(Self.widgets(dashboard).allSatisfy { Self.query($0).contains("$env") })
    }

    @Test("every dashboard is a body Datadog's models accept", arguments: collectors)
    func schema(_ name: String) async throws {
        try #require(DatadogBodyChecker.available, "run scripts/setup-test-peers.sh (datadog-api-client)")
        let result = try await CLIRunner.run(["dashboard", name])
        let faults = try DatadogBodyChecker.faults(model: "dashboard", body: result.stdout)
        #expect(faults.isEmpty, "\(faults)")
        // The oracle is strict: an unknown widget key fails it.
        let broken = result.stdout.replacingOccurrences(of: "\"show_legend\"", with: "\"show_legends\"")
        #expect(!(try DatadogBodyChecker.faults(model: "dashboard", body: broken)).isEmpty)
    }

    static func applyEnvironment(_ fake: FakeDatadog) -> [String: String] {
        ["DD_URL": fake.baseURL, "DD_API_KEY": fake.apiKey, "DD_APP_KEY": FakeDatadog.defaultApplicationKey]
    }

    @Test("--apply creates the dashboard once; a second apply changes nothing; drift is put back")
    func applyIdempotent() async throws {
        try #require(DatadogBodyChecker.available, "run scripts/setup-test-peers.sh (datadog-api-client)")
        let fake = try FakeDatadog()
        defer { fake.stop() }
        try await DatadogBodyChecker.enforce(on: fake)
        // Someone's own dashboard with the same title is not ours: it is never touched.
        let theirs = try #require(
            fake.objects.seed(dashboard: #"{"title": "Collector: github (pipeline)", "layout_type": "ordered", "widgets": []}"#))
        let environment = Self.applyEnvironment(fake)

        let first = try await CLIRunner.run(["dashboard", "github", "--apply"], environment: environment)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("created dashboard "), "\(first.stdout)")
        #expect(fake.objects.writes.map(\.method) == ["POST"])
        #expect(fake.objects.calls.allSatisfy { $0.authenticated && $0.status < 300 })
        #expect(fake.objects.dashboards.count == 2)

        let second = try await CLIRunner.run(["dashboard", "github", "--apply"], environment: environment)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stdout.hasPrefix("unchanged dashboard "), "\(second.stdout)")
        #expect(fake.objects.writes.count == 1, "the second apply wrote: \(fake.objects.writes.map(\.path))")
        #expect(fake.objects.dashboards.count == 2)

        // Someone edits the generated dashboard's title: the next apply puts it back.
        let ours = try #require(fake.objects.dashboards.first { $0["id"]?.stringValue != theirs })
        let id = try #require(ours["id"]?.stringValue)
        fake.objects.edit(dashboard: id) { $0.set("title", .string("renamed by hand")) }
        let third = try await CLIRunner.run(["dashboard", "github", "--apply"], environment: environment)
        #expect(third.stdout.hasPrefix("updated dashboard \(id) "), "\(third.stdout)")
        #expect(fake.objects.writes.map(\.method) == ["POST", "PUT"])
        #expect(fake.objects.writes.last?.path == "/api/v1/dashboard/\(id)")
        #expect(fake.objects.dashboards.first { $0["id"]?.stringValue == theirs }?["widgets"]?.arrayValue?.isEmpty == true)
        for output in [first, second, third] {
            #expect(!output.stdout.contains(fake.apiKey) && !output.stderr.contains(FakeDatadog.defaultApplicationKey))
        }
    }

    @Test("--apply of every shipped collector's dashboard passes the fake's schema check")
    func applyEveryCollector() async throws {
        try #require(DatadogBodyChecker.available, "run scripts/setup-test-peers.sh (datadog-api-client)")
        let fake = try FakeDatadog()
        defer { fake.stop() }
        try await DatadogBodyChecker.enforce(on: fake)
        for name in Self.collectors {
            let result = try await CLIRunner.run(["dashboard", name, "--apply"], environment: Self.applyEnvironment(fake))
            #expect(result.exitCode == 0, "\(name): \(result.stderr)")
        }
        #expect(fake.objects.dashboards.count == Self.collectors.count)
        #expect(fake.objects.calls.allSatisfy { $0.status < 300 }, "\(fake.objects.calls.map { "\($0.path) \($0.status)" })")
    }

    @Test("a body Datadog's models refuse fails the apply with Datadog's message, no keys in it")
    func refusedBody() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        fake.objects.setBodyCheck { _, _ in "dashboard.widgets[0]: not a property" }
        let result = try await CLIRunner.run(["dashboard", "github", "--apply"], environment: Self.applyEnvironment(fake))
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("POST"), "\(result.stderr)")
        #expect(result.stderr.contains("400") && result.stderr.contains("not a property"), "\(result.stderr)")
        #expect(!result.stderr.contains(fake.apiKey) && !result.stderr.contains(FakeDatadog.defaultApplicationKey))
    }

    @Test("without --apply nothing leaves the machine, even with Datadog configured")
    func noNetworkWithoutApply() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        for command in ["dashboard", "monitors"] {
            let result = try await CLIRunner.run([command, "github"], environment: Self.applyEnvironment(fake))
            #expect(result.exitCode == 0, "\(result.stderr)")
        }
        #expect(fake.requestCount == 0)
    }

    @Test("--apply needs both keys, and a wrong key is refused with a clear line")
    func keys() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let missing = try await CLIRunner.run(
            ["dashboard", "github", "--apply"], environment: ["DD_URL": fake.baseURL, "DD_API_KEY": fake.apiKey])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("DD_APP_KEY"), "\(missing.stderr)")
        #expect(fake.requestCount == 0)
        var wrong = Self.applyEnvironment(fake)
        wrong["DD_APP_KEY"] = "wrong-application-key-123"
        let refused = try await CLIRunner.run(["dashboard", "github", "--apply"], environment: wrong)
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("403") && refused.stderr.contains("DD_APP_KEY"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wrong-application-key-123") && !refused.stderr.contains(fake.apiKey))
        #expect(fake.objects.calls.allSatisfy { !$0.authenticated })
    }
}
