import FakeGitHub
import Foundation
import Pipeline
import Testing

/// The built binary on hostile pipeline files: every fault is a line naming the file and the JSON
/// path, with exit 2, never a trap; no credential and no 1 MB value is ever repeated.
@Suite("pipeline on hostile files")
struct RobustnessCLITests {
    static let token = "ghp_fuzzTOKEN0123456789abcdef"

    /// A pipeline file in a fresh temporary directory.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a stage defined twice is a fault with its path and exit 2 in validate, run and graph, not a crash")
    func stageDefinedTwice() async throws {
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "repo": {"type": "github_repository", "repository": "a/b"},
              "repo": {"type": "github_repository", "repository": "a/c"},
              "open_prs": {"type": "github_pulls", "inputs": ["repo"]},
              "open_prs": {"type": "github_pulls", "inputs": ["repo"], "state": "closed"},
              "count": {"type": "count", "inputs": ["open_prs"], "metric": "x.y"},
              "out": {"type": "stdout", "inputs": ["count"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for arguments in [["validate", path], ["run", path, "--dry-run"], ["graph", path]] {
            let result = try await CLIRunner.run(arguments)
            #expect(result.exitCode == 2, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("error: \(path): stages.repo: defined twice"), "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("error: \(path): stages.open_prs: defined twice"), "\(arguments[0])")
            #expect(!result.stderr.contains("Fatal error"))
            #expect(result.stdout.isEmpty)
        }
    }
}
