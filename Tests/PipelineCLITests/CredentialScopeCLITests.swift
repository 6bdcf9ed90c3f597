import Foundation
import LoopbackHTTP
import Synchronization
import Testing

/// Through the binary: a token or API key goes only to the host it was configured for.
@Suite("Credentials stay with their host, end to end")
struct CredentialScopeCLITests {
    /// Records what reaches it: the host a credential must never reach.
    final class Elsewhere: Sendable {
        let seen = LockedList()
        let server: LoopbackServer

        init() throws {
            let seen = self.seen
            server = try LoopbackServer { request in
                seen.append(request.headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n"))
                return .json(#"[{"number": 1, "state": "open", "created_at": "2026-01-01T00:00:00Z"}]"#)
            }
        }
    }

    final class LockedList: Sendable {
        private let items = Mutex<[String]>([])
        func append(_ item: String) { items.withLock { $0.append(item) } }
        var all: [String] { items.withLock { $0 } }
    }

    /// A small GitHub: the repository, and one page of open PRs whose `Link` may point elsewhere.
    static func github(next: String? = nil) throws -> LoopbackServer {
        try LoopbackServer { request in
            if request.path == "/repos/o/r" {
                let port = request.headers["host"]?.split(separator: ":").last ?? ""
                return .json(#"{"full_name": "o/r", "default_branch": "main", "url": "http://127.0.0.1:\#(port)/repos/o/r"}"#)
            }
            return .json(
                #"[{"number": 2, "state": "open", "created_at": "2026-01-01T00:00:00Z"}]"#,
                headers: next.map { [("Link", "<\($0)>; rel=\"next\"")] } ?? [])
        }
    }

    /// `text` as a pipeline file in a fresh directory; remove the directory when done.
    static func write(_ text: String) throws -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("scope.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, directory)
    }

    static let file = """
        {"name": "scope", "stages": {
          "repo": {"type": "github_repository", "repository": "o/r", "api_url": "${API}"},
          "prs": {"type": "github_pulls", "inputs": ["repo"], "state": "open"},
          "open": {"type": "count", "inputs": ["prs"], "metric": "scope.prs"},
          "out": {"type": "stdout", "inputs": ["open"]}
        }}
        """

    @Test func theGitHubTokenDoesNotFollowANextLinkToAnotherHost() async throws {
        let elsewhere = try Elsewhere()
        defer { elsewhere.server.stop() }
        let api = try Self.github(next: elsewhere.server.baseURL + "/repos/o/r/pulls?page=2")
        defer { api.stop() }
        let (path, directory) = try Self.write(Self.file)
        defer { try? FileManager.default.removeItem(at: directory) }

        let result = try await CLIRunner.run(
            ["run", path, "--format", "json", "--no-cache"],
            environment: ["API": api.baseURL, "GITHUB_TOKEN": "ghp_secret_token_value"])

        #expect(elsewhere.seen.all.isEmpty, "the other host was asked: \(elsewhere.seen.all)")
        #expect(result.exitCode == 1, "\(result.stderr)")
        #expect(result.stderr.contains("the next link points to another host, \(elsewhere.server.baseURL)"), "\(result.stderr)")
        #expect(!result.stdout.contains("scope.prs"), "a count of a partial listing was reported")
        #expect(!(result.stdout + result.stderr).contains("ghp_secret_token_value"))
    }

    @Test func theDatadogKeyDoesNotFollowARedirectToAnotherHost() async throws {
        let elsewhere = try Elsewhere()
        defer { elsewhere.server.stop() }
        let intake = try LoopbackServer { _ in
            LoopbackResponse(status: 307, headers: [("Location", elsewhere.server.baseURL + "/api/v2/series")])
        }
        defer { intake.stop() }
        let api = try Self.github()
        defer { api.stop() }
        let (path, directory) = try Self.write(
            Self.file.replacingOccurrences(of: #""type": "stdout""#, with: #""type": "datadog""#))
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state").path

        let result = try await CLIRunner.run(
            ["run", path],
            environment: [
                "API": api.baseURL, "DD_URL": intake.baseURL, "DD_API_KEY": "dd_secret_key_value", "PIPELINE_STATE_DIR": state,
                "DD_RETRY_FOR": "2s",
            ])

        #expect(elsewhere.seen.all.isEmpty, "the other host was asked: \(elsewhere.seen.all)")
        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(result.stderr.contains("points to another host"), "\(result.stderr)")
        #expect(!result.stderr.contains("dd_secret_key_value"))
    }
}
