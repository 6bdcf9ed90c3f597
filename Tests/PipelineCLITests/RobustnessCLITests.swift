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

    @Test("a credential interpolated into a stage name is never echoed by validate")
    func credentialInStageNameNeverEchoed() async throws {
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "repo": {"type": "github_repository", "repository": "a/b"},
              "count": {"type": "count", "inputs": ["${GITHUB_TOKEN}", "${secret:dashboard/key}"], "metric": "x.y"},
              "prs": {"type": "github_pulls", "inputs": ["repo"], "state": "${API_KEY}"},
              "out": {"type": "stdout", "inputs": ["count", "prs"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let secret = "vault-value-9876543210"
        let result = try await CLIRunner.run(
            ["validate", path, "--var", "API_KEY=apikey-0123456789"],
            environment: ["GITHUB_TOKEN": Self.token, "DASHBOARD_KEY": secret])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("stages.count.inputs[0]: unknown stage \"[secret]\""), "\(result.stderr)")
        #expect(result.stderr.contains("stages.count.inputs[1]: unknown stage \"[secret]\""), "\(result.stderr)")
        #expect(result.stderr.contains("stages.prs.state: \"[secret]\""), "\(result.stderr)")
        for value in [Self.token, secret, "apikey-0123456789"] {
            #expect(!result.stderr.contains(value))
            #expect(!result.stdout.contains(value))
        }
    }

    @Test("a 1 MB option value is quoted by its first 80 characters and its size, not whole")
    func longValueCut() async throws {
        let big = String(repeating: "Z", count: 1_000_000)
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "repo": {"type": "github_repository", "repository": "\(big)"},
              "prs": {"type": "github_pulls", "inputs": ["repo"], "updated_since": "\(big)"},
              "count": {"type": "count", "inputs": ["prs", "\(big)"], "metric": "x.y"},
              "out": {"type": "stdout", "inputs": ["count"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CLIRunner.run(["validate", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.utf8.count < 2_000, "\(result.stderr.prefix(500))")
        let quoted = "\"\(big.prefix(80))…\" (1000000 bytes)"
        #expect(result.stderr.contains("stages.repo.repository: \(quoted) is not owner/name"), "\(result.stderr)")
        #expect(result.stderr.contains("stages.prs.updated_since: \(quoted) is not a time span"), "\(result.stderr)")
        #expect(result.stderr.contains("stages.count.inputs[1]: unknown stage \(quoted)"), "\(result.stderr)")
    }
}
