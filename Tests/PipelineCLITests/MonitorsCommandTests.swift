import Dashboards
import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Testing

/// `pipeline monitors NAME`: the monitors of every shipped collector, scaled to the chart's
/// schedules, checked against Datadog's models, and applied to the fake Datadog.
@Suite("pipeline monitors")
struct MonitorsCommandTests {
    /// Schedule interval and activeDeadlineSeconds of each collector in the chart's values.yaml.
    static let schedules: [String: (minutes: Int, deadline: Int)] = [
        "github": (15, 840), "ec2": (15, 840), "skypilot": (10, 540), "asana": (360, 3300), "wandb": (30, 1680),
    ]

    static func monitors(_ name: String, _ extra: [String] = []) async throws -> [JSON] {
        let result = try await CLIRunner.run(["monitors", name] + extra)
        #expect(result.exitCode == 0, "\(result.stderr)")
        return try JSONParser.parse(result.stdout).array ?? []
    }

    static func tags(_ monitor: JSON) -> [String] { monitor["tags"]?.array?.compactMap(\.string) ?? [] }

    static func keyed(_ monitors: [JSON], _ key: String) -> JSON? {
        monitors.first { tags($0).contains("pipeline-monitor:\(key)") }
    }

    static func window(_ minutes: Int) -> String { minutes % 60 == 0 ? "last_\(minutes / 60)h" : "last_\(minutes)m" }

    @Test("the three health monitors, scaled to the collector's schedule", arguments: DashboardCommandTests.collectors)
    func healthMonitors(_ name: String) async throws {
        let monitors = try await Self.monitors(name)
        let (interval, deadline) = try #require(Self.schedules[name])
        for monitor in monitors {
            #expect(Self.tags(monitor).contains("managed-by:pipeline") && Self.tags(monitor).contains("pipeline:\(name)"))
            #expect(monitor["type"]?.string == "query alert")
        }
        let silent = try #require(Self.keyed(monitors, "not-reporting"))
        #expect(
            silent["query"]?.string
                == "sum(\(Self.window(3 * interval))):sum:collector.\(name).metric_count{service:\(name)-collector} by {"
                + (name == "github" ? "env,repo" : "env") + "} < 1")
        #expect(silent["options"]?["notify_no_data"]?.bool == true)
        #expect(silent["options"]?["no_data_timeframe"]?.number == Double(3 * interval))
        #expect(silent["message"]?.string?.contains("three intervals") == true)

        let errors = try #require(Self.keyed(monitors, "errors"))
        #expect(
            errors["query"]?.string?.hasPrefix("sum(\(Self.window(2 * interval))):sum:collector.\(name).error_count{") == true)
        #expect(errors["query"]?.string?.hasSuffix("> 0") == true)

        let slow = try #require(Self.keyed(monitors, "slow"))
        let critical = deadline * 8 / 10
        #expect(slow["query"]?.string?.hasSuffix("> \(critical)") == true, "\(slow["query"]?.string ?? "")")
        #expect(slow["options"]?["thresholds"]?["critical"]?.number == Double(critical))
        #expect(slow["message"]?.string?.contains("\(deadline) s budget") == true)
    }

    @Test("one monitor per metric that declares one, with its thresholds")
    func metricMonitors() async throws {
        let github = try await Self.monitors("github")
        #expect(github.count == 5)
        let failures = try #require(Self.keyed(github, "metric.github.ci.failed_workflows_7d"))
        #expect(
            failures["query"]?.string
                == "avg(last_1h):avg:github.ci.failed_workflows_7d{service:github-collector} by {env,repo} > 10")
        #expect(failures["options"]?["thresholds"]?["warning"]?.number == 5)
        let passing = try #require(Self.keyed(github, "metric.github.ci.tests_passing_on_main"))
        #expect(passing["query"]?.string?.hasSuffix(" < 1") == true)
        let skypilot = try await Self.monitors("skypilot")
        #expect(Self.keyed(skypilot, "metric.skypilot.jobs.failed_7d") != nil)
        #expect(try await Self.monitors("ec2").count == 3)
    }

    @Test("every monitor is a body Datadog's models accept", arguments: DashboardCommandTests.collectors)
    func schema(_ name: String) async throws {
        try #require(DatadogBodyChecker.available, "run scripts/setup-test-peers.sh (datadog-api-client)")
        let result = try await CLIRunner.run(["monitors", name])
        #expect(try DatadogBodyChecker.faults(model: "monitor", body: result.stdout).isEmpty)
        let broken = result.stdout.replacingOccurrences(of: "\"query alert\"", with: "\"query-alert\"")
        #expect(!(try DatadogBodyChecker.faults(model: "monitor", body: broken)).isEmpty)
    }

    @Test("--values FILE: another schedule scales the monitors; a collector not there is a clear error")
    func valuesFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("values-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("values.yaml").path
        try Data("collectors:\n  github:\n    schedule: \"0 * * * *\"\n    activeDeadlineSeconds: 3000\n".utf8)
            .write(to: URL(fileURLWithPath: file))
        let hourly = try await Self.monitors("github", ["--values", file])
        #expect(Self.keyed(hourly, "not-reporting")?["query"]?.string?.hasPrefix("sum(last_3h):") == true)
        #expect(Self.keyed(hourly, "slow")?["query"]?.string?.hasSuffix("> 2400") == true)

        let other = try await CLIRunner.run(["monitors", "ec2", "--values", file])
        #expect(other.exitCode == 2)
        #expect(other.stderr.contains("has no collectors.ec2 (collectors there: github)"), "\(other.stderr)")
        let none = try await CLIRunner.run(["monitors", "github", "--values", directory.appendingPathComponent("x").path])
        #expect(none.exitCode == 2 && none.stderr.contains("cannot read the chart values"))
    }

    @Test("--apply creates every monitor once, finds them by tag, and a second apply writes nothing")
    func applyIdempotent() async throws {
        try #require(DatadogBodyChecker.available, "run scripts/setup-test-peers.sh (datadog-api-client)")
        let fake = try FakeDatadog()
        defer { fake.stop() }
        try await DatadogBodyChecker.enforce(on: fake)
        let environment = DashboardCommandTests.applyEnvironment(fake)
        // Monitors made by hand: one with the same name and no tags, one of ours no longer generated.
        fake.objects.seed(
            monitor:
                #"{"name": "[pipeline] collector github is slow", "type": "query alert", "query": "avg(last_5m):avg:x{*} > 1", "tags": ["pipeline:github"]}"#
        )
        let stale = try #require(
            fake.objects.seed(
                monitor:
                    #"{"name": "old", "type": "query alert", "query": "avg(last_5m):avg:x{*} > 1", "tags": ["managed-by:pipeline", "pipeline:github", "pipeline-monitor:metric.github.gone"]}"#
            ))
        for name in DashboardCommandTests.collectors {
            let first = try await CLIRunner.run(["monitors", name, "--apply"], environment: environment)
            #expect(first.exitCode == 0, "\(name): \(first.stderr)")
            let lines = first.stdout.split(separator: "\n").filter { !$0.hasPrefix("orphaned ") }
            #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("created monitor ") }, "\(first.stdout)")
            if name == "github" { #expect(first.stdout.contains("orphaned monitor \(stale) \"old\"")) }
        }
        let created = fake.objects.monitors.count
        #expect(created == 3 * 5 + 2 + 1 + 1 + 2)
        #expect(fake.objects.writes.allSatisfy { $0.method == "POST" && $0.status == 200 })
        let writes = fake.objects.writes.count

        for name in DashboardCommandTests.collectors {
            let again = try await CLIRunner.run(["monitors", name, "--apply"], environment: environment)
            #expect(again.exitCode == 0, "\(again.stderr)")
            #expect(
                again.stdout.split(separator: "\n").allSatisfy {
                    $0.hasPrefix("unchanged monitor ") || $0.hasPrefix("orphaned ")
                },
                "\(again.stdout)")
        }
        #expect(fake.objects.writes.count == writes, "\(fake.objects.writes.map(\.path))")
        #expect(fake.objects.monitors.count == created)
        let listing = fake.objects.calls.filter { $0.method == "GET" && $0.path == "/api/v1/monitor" }
        #expect(listing.contains { $0.query["monitor_tags"] == "pipeline:github" })

        // A monitor renamed by hand is found by its key tag and put back, not duplicated.
        let slow = try #require(
            fake.objects.monitors.first {
                let tags = $0["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return tags.contains("managed-by:pipeline") && tags.contains("pipeline:github")
                    && tags.contains("pipeline-monitor:slow")
            })
        let id = try #require(slow["id"].flatMap { if case .number(let n, _) = $0 { Int(n) } else { nil } })
        fake.objects.edit(monitor: id) { $0.set("name", .string("my slow monitor")) }
        let fixed = try await CLIRunner.run(["monitors", "github", "--apply"], environment: environment)
        #expect(fixed.stdout.contains("updated monitor \(id) "), "\(fixed.stdout)")
        #expect(fake.objects.writes.count == writes + 1)
        #expect(fake.objects.writes.last?.method == "PUT" && fake.objects.writes.last?.path == "/api/v1/monitor/\(id)")
        #expect(fake.objects.monitors.count == created)
    }

    @Test("metric metadata: the fake stores what PUT /api/v1/metrics/NAME sends, checked by the models")
    func metricMetadataEndpoint() async throws {
        try #require(DatadogBodyChecker.available, "run scripts/setup-test-peers.sh (datadog-api-client)")
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let checker = try await DatadogBodyChecker.enforce(on: fake)
        let http = HTTPClient()
        defer { http.shutdown() }
        func call(_ method: String, _ body: String?, appKey: String = FakeDatadog.defaultApplicationKey) async throws
            -> HTTPResponse
        {
            try await http.send(
                HTTPRequest(
                    method: method, url: fake.baseURL + "/api/v1/metrics/github.prs.open",
                    headers: [("DD-API-KEY", fake.apiKey), ("DD-APPLICATION-KEY", appKey), ("Content-Type", "application/json")],
                    body: body.map { Array($0.utf8) }))
        }
        #expect(try await call("GET", nil).status == 404)
        let put = try await call("PUT", #"{"type": "gauge", "unit": "item", "description": "pull requests open now"}"#)
        #expect(put.status == 200, "\(put.text)")
        let got = try await call("GET", nil)
        #expect(got.status == 200)
        #expect(try JSONParser.parse(got.body)["unit"]?.string == "item")
        #expect(fake.objects.metricMetadata["github.prs.open"]?["description"]?.stringValue == "pull requests open now")
        let refused = try await call("PUT", #"{"type": "gauge", "units": "item"}"#)
        #expect(refused.status == 400 && refused.text.contains("units"), "\(refused.text)")
        #expect(try await call("PUT", #"{"unit": "item"}"#, appKey: "wrong").status == 403)
        #expect(fake.objects.calls.map(\.status) == [404, 200, 200, 400, 403])
        #expect(fake.objects.calls.filter { $0.method == "PUT" }.first?.body.contains("pull requests open now") == true)
        #expect(checker.check("metric_metadata", #"{"type": "gauge", "unit": "item", "description": "open PRs"}"#) == nil)
        #expect(checker.check("metric_metadata", #"{"type": "gauge", "units": "item"}"#) != nil)
        #expect(checker.check("metric_metadata", #"{"type": 3}"#) != nil)
    }
}

/// The chart-values reader and the cron intervals the monitors are scaled by.
@Suite("collector schedules")
struct CollectorScheduleTests {
    @Test(
        "cron intervals",
        arguments: [
            ("*/15 * * * *", 900), ("0 */6 * * *", 21_600), ("*/10 * * * *", 600), ("*/30 * * * *", 1800),
            ("0 * * * *", 3600), ("5,35 * * * *", 1800), ("0 9 * * 1-5", 3 * 86_400 - 0), ("0 0 * * *", 86_400),
        ])
    func intervals(_ schedule: String, _ seconds: Int) {
        #expect(CronInterval.seconds(schedule) == seconds, "\(schedule)")
    }

    @Test(
        "schedules this reader does not understand are refused",
        arguments: ["", "* * * *", "@hourly", "*/0 * * * *", "61 * * * *"])
    func refused(_ schedule: String) {
        #expect(CronInterval.seconds(schedule) == nil)
    }

    @Test("the chart's own values: every collector's schedule and deadline")
    func chartValues() throws {
        let text = try String(
            contentsOf: CLIRunner.packageRoot.appendingPathComponent("charts/collector-cronjobs/values.yaml"), encoding: .utf8)
        #expect(ChartValues.collectorNames(in: text) == ["github", "ec2", "skypilot", "asana", "wandb"])
        let github = try CollectorSchedule.read(collector: "github", valuesText: text, path: "values.yaml")
        #expect(github == CollectorSchedule(cron: "*/15 * * * *", activeDeadlineSeconds: 840, intervalSeconds: 900))
        let asana = try CollectorSchedule.read(collector: "asana", valuesText: text, path: "values.yaml")
        #expect(asana == CollectorSchedule(cron: "0 */6 * * *", activeDeadlineSeconds: 3300, intervalSeconds: 21_600))
    }

    @Test("only the entry's own keys count: nested blocks, comments, quotes and other collectors do not")
    func reader() throws {
        let text = """
            global:
              schedule: "0 0 * * *"   # not a collector's
            collectors:
              # a comment
              other:
                schedule: '*/5 * * * *'
              github:
                enabled: true
                env:
                  schedule: "never"
                resources: { requests: { cpu: 100m } }
                schedule: "*/15 * * * *"  # every 15 minutes
                activeDeadlineSeconds: 840
            tests:
              schedule: "1 1 * * *"
            """
        let entry = try #require(ChartValues.collectorEntry("github", in: text))
        #expect(entry["schedule"] == "*/15 * * * *")
        #expect(entry["activeDeadlineSeconds"] == "840")
        #expect(ChartValues.collectorEntry("other", in: text)?["schedule"] == "*/5 * * * *")
        #expect(ChartValues.collectorEntry("tests", in: text) == nil)
        #expect(throws: ScheduleError.self) { try CollectorSchedule.read(collector: "wandb", valuesText: text, path: "v.yaml") }
        let noDeadline = "collectors:\n  a:\n    schedule: \"*/5 * * * *\"\n"
        #expect(throws: ScheduleError.self) { try CollectorSchedule.read(collector: "a", valuesText: noDeadline, path: "v") }
    }
}

/// What `--apply` counts as a change.
@Suite("applied objects compared")
struct DatadogObjectsCompareTests {
    @Test("only the fields sent count; what Datadog adds does not; tags are a set")
    func holds() throws {
        let wanted = try JSONParser.parse(
            #"{"name": "a", "tags": ["x:1", "y:2"], "options": {"thresholds": {"critical": 672}}, "widgets": [{"definition": {"type": "note"}}]}"#
        )
        let stored = try JSONParser.parse(
            #"{"id": 7, "name": "a", "tags": ["y:2", "x:1"], "options": {"thresholds": {"critical": 672.0}, "notify_audit": false}, "widgets": [{"id": 1, "definition": {"type": "note"}}]}"#
        )
        #expect(DatadogObjects.holds(stored, wanted))
        let renamed = try JSONParser.parse(stored.jsonText.replacingOccurrences(of: #""name":"a""#, with: #""name":"b""#))
        #expect(!DatadogObjects.holds(renamed, wanted))
        let retagged = try JSONParser.parse(stored.jsonText.replacingOccurrences(of: #""x:1""#, with: #""x:3""#))
        #expect(!DatadogObjects.holds(retagged, wanted))
        let threshold = try JSONParser.parse(stored.jsonText.replacingOccurrences(of: "672", with: "600"))
        #expect(!DatadogObjects.holds(threshold, wanted))
        let moreWidgets = try JSONParser.parse(
            stored.jsonText.replacingOccurrences(of: #"}}]"#, with: #"}},{"definition":{"type":"note"}}]"#))
        #expect(!DatadogObjects.holds(moreWidgets, wanted))
    }
}
