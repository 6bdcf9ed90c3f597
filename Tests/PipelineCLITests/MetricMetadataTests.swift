import Foundation
import Pipeline
import Testing

/// `pipeline validate` holds every metric to its metadata: a one-line description, a unit Datadog
/// knows, one meaning per key (what docs, dashboards, monitors and the Datadog sink are made of).
@Suite("validate: metric metadata")
struct MetricMetadataTests {
    static func validate(_ stages: String) async throws -> CLIRunner.Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).json").path
        try #"{"name": "demo", "stages": {"rows": {"type": "values", "items": "a,b", "split": ","}, "#
            .appending(stages).appending(#", "out": {"type": "stdout", "inputs": ["n", "m"]}}}"#)
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await CLIRunner.run(["validate", path])
    }

    @Test("a metric stage with a description and a Datadog unit is accepted")
    func describedMetricsPass() async throws {
        let result = try await Self.validate(
            #""n": {"type": "count", "inputs": ["rows"], "metric": "demo.rows", "unit": "item", "description": "rows listed"}, "#
                + #""m": {"type": "count", "inputs": ["rows"], "metric": "demo.other", "unit": "item", "description": "rows again"}"#
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
    }

    @Test("no description, a unit Datadog does not know, and one key with two meanings: each named at its path, exit 2")
    func faultsNamedAtTheirPaths() async throws {
        let result = try await Self.validate(
            #""n": {"type": "count", "inputs": ["rows"], "metric": "demo.rows", "unit": "hours"}, "#
                + #""m": {"type": "count", "inputs": ["rows"], "metric": "demo.rows", "unit": "item", "description": "rows"}"#)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("stages.n.description: demo.rows needs a description"), "\(result.stderr)")
        #expect(
            result.stderr.contains(#"stages.n.unit: "hours" is not a Datadog unit (did you mean "hour"?)"#), "\(result.stderr)")
        #expect(
            result.stderr.contains("stages.m.metric: demo.rows is also emitted by stage n with another unit"), "\(result.stderr)")
    }

    @Test("a metric without a unit is refused, and so is a description of more than one line")
    func unitRequiredAndOneLine() async throws {
        let result = try await Self.validate(
            #""n": {"type": "count", "inputs": ["rows"], "metric": "demo.rows", "description": "rows"}, "#
                + #""m": {"type": "sum", "inputs": ["rows"], "field": "x", "metric": "demo.sum", "unit": "item", "description": "a\nb"}"#
        )
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("stages.n.unit: demo.rows needs a unit Datadog knows"), "\(result.stderr)")
        #expect(result.stderr.contains("stages.m.description: a metric's description is one line"), "\(result.stderr)")
    }

    @Test("a monitor states above or below a threshold")
    func monitorOption() async throws {
        let good = try await Self.validate(
            #""n": {"type": "count", "inputs": ["rows"], "metric": "demo.rows", "unit": "item", "description": "rows", "#
                + #""group": "Rows", "monitor": {"above": 10, "warning": 5, "window": "30m"}}, "#
                + #""m": {"type": "count", "inputs": ["rows"], "metric": "demo.m", "unit": "item", "description": "m"}"#)
        #expect(good.exitCode == 0, "\(good.stderr)")
        let bad = try await Self.validate(
            #""n": {"type": "count", "inputs": ["rows"], "metric": "demo.rows", "unit": "item", "description": "rows", "#
                + #""monitor": {"above": 10, "warning": 20}}, "#
                + #""m": {"type": "count", "inputs": ["rows"], "metric": "demo.m", "unit": "item", "description": "m"}"#)
        #expect(bad.exitCode == 2)
        #expect(
            bad.stderr.contains("stages.n.monitor.warning: the warning threshold must come before the alert"), "\(bad.stderr)")
    }

    @Test("every shipped collector validates with its metadata")
    func shippedPipelinesValidate() async throws {
        let environment = [
            "GITHUB_REPOSITORY": "a/b", "EC2_REGIONS": "us-east-1", "ASANA_PROJECTS": "1", "ASANA_TOKEN": "t",
            "WANDB_PROJECTS": "a/b", "WANDB_API_KEY": "k", "SKYPILOT_API_SERVER_ENDPOINT": "http://127.0.0.1:1",
        ]
        let result = try await CLIRunner.run(
            ["validate", "github", "ec2", "asana", "wandb", "skypilot"], environment: environment)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 5)
    }
}
