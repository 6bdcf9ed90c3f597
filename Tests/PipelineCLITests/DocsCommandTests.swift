import Foundation
import Testing

/// `pipeline docs`: the metric reference is made from the pipeline files, and the committed one
/// is what the command writes.
@Suite("pipeline docs")
struct DocsCommandTests {
    @Test("docs/METRICS.md is exactly what pipeline docs writes from pipelines/ (run pipeline docs --output docs/METRICS.md)")
    func committedReferenceIsCurrent() async throws {
        let result = try await CLIRunner.run(["docs"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let committed = try String(
            contentsOf: CLIRunner.packageRoot.appendingPathComponent("docs/METRICS.md"), encoding: .utf8)
        #expect(result.stdout == committed, "docs/METRICS.md is stale: run pipeline docs --output docs/METRICS.md")
    }

    @Test("every metric key every shipped collector declares has its row, with its unit and description")
    func everyDeclaredKeyHasARow() async throws {
        let result = try await CLIRunner.run(["docs", "skypilot"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("## skypilot (`pipelines/skypilot.json`)"))
        #expect(result.stdout.contains("| skypilot.jobs.by_status | gauge | job | `status` | managed jobs per status"))
        #expect(
            result.stdout.contains(
                "| skypilot.jobs.duration_minutes.max | gauge | minute |  | max of the minutes of the jobs that succeeded or failed"
            ))
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| skypilot.") }
        #expect(rows.count == 18, "the contract's 18 keys")
        #expect(result.stdout.contains("## Health of every collector run"))
        #expect(!result.stdout.contains("## github"), "only the collectors named")
    }

    @Test("a file whose metric metadata is incomplete is refused, naming the fault (exit 2)")
    func incompleteMetadataRefused() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString).json").path
        try
            #"{"name": "demo", "stages": {"rows": {"type": "values", "items": "a"}, "n": {"type": "count", "inputs": ["rows"], "metric": "demo.rows"}, "out": {"type": "stdout", "inputs": ["n"]}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CLIRunner.run(["docs", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("stages.n.description: demo.rows needs a description"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
