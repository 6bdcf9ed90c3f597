import Foundation
import Testing

/// The commands other than `run` against a real collector: the built binary, its output and exit code.
@Suite("pipeline commands")
struct CommandTests {
    /// A pipeline file in a fresh temporary directory.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("validate accepts the shipped GitHub collector")
    func validateAcceptsGitHub() async throws {
        let result = try await CLIRunner.run(["validate", "github"], environment: ["GITHUB_REPOSITORY": "octo-org/octo-repo"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("pipelines/github.json: ok"))
    }

    @Test("validate names the file, the JSON path and a suggestion for each fault, and exits 2")
    func validateReportsEveryFault() async throws {
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "open_prs": {"type": "github_repository", "repository": "a/b"},
              "count": {"type": "count", "inputs": ["open_pr"], "metrc": "x.y"},
              "out": {"type": "stdout", "inputs": ["count"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CLIRunner.run(["validate", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("\(path): stages.count.inputs[0]: unknown stage \"open_pr\" (did you mean \"open_prs\"?)"))
        #expect(result.stderr.contains("stages.count.metrc: unknown option \"metrc\" (did you mean \"metric\"?)"))
        #expect(result.stdout.isEmpty)
    }

    @Test("validate reports an unset required variable with its message")
    func validateUnsetVariable() async throws {
        let result = try await CLIRunner.run(["validate", "github"], environment: [:])
        #expect(result.exitCode == 2)
        #expect(
            result.stderr.contains(
                "stages.repo.repository: variable GITHUB_REPOSITORY is required: set GITHUB_REPOSITORY to owner/name"))
    }

    @Test("run with a broken file exits 2 before any request")
    func runInvalidFileExits2() async throws {
        let path = try Self.file(#"{"name": "demo", "stages": {"a": {"type": "nope"}}}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CLIRunner.run(["run", path, "--dry-run"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("stages.a.type: unknown stage type \"nope\""))
        #expect(result.stdout.isEmpty)
    }

    @Test("a JSON syntax error names its line and column")
    func syntaxErrorLocated() async throws {
        let path = try Self.file("{\n  \"name\": \"demo\",\n  \"stages\": {,}\n}")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CLIRunner.run(["validate", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("invalid JSON at line 3, column 14"))
    }

    @Test("usage errors exit 2 with a hint, unknown commands get a suggestion")
    func usageErrors() async throws {
        let unknown = try await CLIRunner.run(["rnu"])
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("unknown command \"rnu\" (did you mean run?)"))
        let badFlag = try await CLIRunner.run(["run", "github", "--dry-rn"])
        #expect(badFlag.exitCode == 2)
        #expect(badFlag.stderr.contains("unknown option --dry-rn (did you mean --dry-run?)"))
        let badFormat = try await CLIRunner.run(["run", "github", "--format", "xml"])
        #expect(badFormat.exitCode == 2)
        #expect(badFormat.stderr.contains("--format must be table or json"))
        let missing = try await CLIRunner.run(["run", "githbu"])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("(did you mean github"))
    }

    @Test("every command has --help on stdout with exit 0")
    func helpEverywhere() async throws {
        for command in ["run", "validate", "graph", "list", "schema", "dashboard", "monitors"] {
            let result = try await CLIRunner.run([command, "--help"])
            #expect(result.exitCode == 0)
            #expect(result.stdout.contains("usage: pipeline \(command)"), "\(command)")
        }
        let top = try await CLIRunner.run(["--help"])
        #expect(top.exitCode == 0)
        #expect(top.stdout.contains("commands:"))
    }

    @Test("graph prints DOT and Mermaid with every stage and edge, needing no variables")
    func graphFormats() async throws {
        let dot = try await CLIRunner.run(["graph", "github"])
        #expect(dot.exitCode == 0, "\(dot.stderr)")
        #expect(dot.stdout.hasPrefix("digraph \"github\""))
        #expect(dot.stdout.contains("\"commits_in_window\" -> \"commit_details\";"))
        let mermaid = try await CLIRunner.run(["graph", "github", "--format", "mermaid"])
        #expect(mermaid.exitCode == 0)
        #expect(mermaid.stdout.hasPrefix("flowchart LR"))
        #expect(mermaid.stdout.contains("repo --> open_prs"))
    }

    @Test("list shows every stage type with its options, and the pipelines found")
    func listShowsStagesAndPipelines() async throws {
        let result = try await CLIRunner.run(["list"])
        #expect(result.exitCode == 0)
        for type in ["github_repository", "github_workflow_runs", "filter", "window", "count", "percentiles", "ratio", "stdout"] {
            #expect(result.stdout.contains("    \(type) — "), "\(type)")
        }
        #expect(result.stdout.contains("options: add_fields, branch, created_within"))
        #expect(result.stdout.contains("pipelines/github.json"))
    }
}
