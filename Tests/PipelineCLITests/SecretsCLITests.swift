import FakeGitHub
import Foundation
import HTTP
import Moto
import Pipeline
import Testing

/// `${secret:NAME}` through the built binary: looked up in the backend PIPELINE_SECRETS names,
/// sent where the file puts it, and never printed.
@Suite("Secrets in pipeline files, end to end")
struct SecretsCLITests {
    static let token = "ghp_fromSecretFILE0123456789"

    /// A small pipeline whose GitHub token is a secret.
    static func pipelineFile(in dir: String, repository: String = "octo-org/octo-repo") throws -> String {
        let text = """
            {
              "name": "secret_test",
              "stages": {
                "repo": { "type": "github_repository", "repository": "\(repository)", "api_url": "${GITHUB_API_URL}",
                          "token": "${secret:github/dashboard-token}" },
                "branches": { "type": "github_branch_count", "inputs": ["repo"], "token": "${secret:github/dashboard-token}" },
                "active": { "type": "value", "inputs": ["branches"], "field": "other_than_default", "metric": "github.branches.active" },
                "out": { "type": "stdout", "inputs": ["active"] }
              }
            }
            """
        let path = dir + "/secret_test.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func withSecretsDirectory<T>(_ body: (String, String) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/mounted/github", withIntermediateDirectories: true)
        return try await body(root, root + "/mounted")
    }

    @Test("a token from a mounted secret file is sent as Bearer and never printed, even in debug logs")
    func tokenFromDirectory() async throws {
        try await Self.withSecretsDirectory { root, mounted in
            try Data((Self.token + "\n").utf8).write(to: URL(fileURLWithPath: mounted + "/github/dashboard-token"))
            let data = FakeGitHubData.edgeCases(now: GitHubCollectorTests.nowDate)
            let fake = try FakeGitHub(data: data, token: Self.token)
            defer { fake.stop() }
            let file = try Self.pipelineFile(in: root)
            let result = try await CLIRunner.run(
                ["run", file, "--format", "json"],
                environment: [
                    "GITHUB_API_URL": fake.baseURL, "PIPELINE_SECRETS": "dir:\(mounted)", "PIPELINE_LOG_LEVEL": "debug",
                ])
            #expect(result.exitCode == 0, "stderr: \(result.stderr)")
            #expect(try result.values()["github.branches.active"] == Double(data.branches.count - 1))
            #expect(!fake.authorizationHeaders.isEmpty)
            #expect(fake.authorizationHeaders.allSatisfy { $0 == "Bearer \(Self.token)" })
            #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token))
        }
    }

    @Test("a missing secret fails validation with its path and name, exit 2")
    func missingSecret() async throws {
        try await Self.withSecretsDirectory { root, mounted in
            let file = try Self.pipelineFile(in: root)
            let result = try await CLIRunner.run(
                ["validate", file], environment: ["GITHUB_API_URL": "http://127.0.0.1:1", "PIPELINE_SECRETS": "dir:\(mounted)"])
            #expect(result.exitCode == 2)
            #expect(result.stderr.contains("stages.repo.token"), "\(result.stderr)")
            #expect(
                result.stderr.contains("secret \"github/dashboard-token\" was not found in the directory \(mounted)"),
                "\(result.stderr)")
        }
    }

    @Test("a secret value echoed by an error message is scrubbed")
    func echoedValueScrubbed() async throws {
        try await Self.withSecretsDirectory { root, mounted in
            let value = "not-a-repository-SECRET42"
            try Data(value.utf8).write(to: URL(fileURLWithPath: mounted + "/repo"))
            let file = try Self.pipelineFile(in: root, repository: "${secret:repo}")
            try Data(Self.token.utf8).write(to: URL(fileURLWithPath: mounted + "/github/dashboard-token"))
            let result = try await CLIRunner.run(
                ["validate", file], environment: ["GITHUB_API_URL": "http://127.0.0.1:1", "PIPELINE_SECRETS": "dir:\(mounted)"])
            #expect(result.exitCode == 2)
            #expect(result.stderr.contains("stages.repo.repository"), "\(result.stderr)")
            #expect(result.stderr.contains("[secret]"), "\(result.stderr)")
            #expect(!result.stderr.contains(value))
        }
    }

    @Test("an unknown PIPELINE_SECRETS backend is a usage error naming the accepted ones")
    func unknownBackend() async throws {
        try await Self.withSecretsDirectory { root, _ in
            let file = try Self.pipelineFile(in: root)
            let result = try await CLIRunner.run(
                ["validate", file], environment: ["GITHUB_API_URL": "x", "PIPELINE_SECRETS": "vault"])
            #expect(result.exitCode == 2)
            #expect(
                result.stderr.contains(
                    "PIPELINE_SECRETS=\"vault\" is not a secrets backend; use env, dir:/path/to/directory, or aws"))
        }
    }
}

extension SecretsCLITests {
    @Test(
        "PIPELINE_SECRETS=aws reads the token from AWS Secrets Manager (moto, signatures checked); run --record keeps none of that exchange"
    )
    func tokenFromSecretsManager() async throws {
        let http = HTTPClient(configuration: .init(requestTimeout: .seconds(30), logger: Logger(level: .error)))
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            try await moto.createSecret(name: "github/dashboard-token", string: Self.token, http: http)
            try await Self.withSecretsDirectory { root, _ in
                let data = FakeGitHubData.edgeCases(now: GitHubCollectorTests.nowDate)
                let fake = try FakeGitHub(data: data, token: Self.token)
                defer { fake.stop() }
                let file = try Self.pipelineFile(in: root)
                var environment = moto.environment
                environment["GITHUB_API_URL"] = fake.baseURL
                environment["PIPELINE_SECRETS"] = "aws"
                let result = try await CLIRunner.run(
                    ["run", file, "--format", "json", "--record", root + "/recording"], environment: environment)
                #expect(result.exitCode == 0, "stderr: \(result.stderr)")
                #expect(try result.values()["github.branches.active"] == Double(data.branches.count - 1))
                #expect(fake.authorizationHeaders.allSatisfy { $0 == "Bearer \(Self.token)" })
                #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token))

                // The recording holds the source's exchanges only: the secrets backend's client records nothing.
                let text = try String(contentsOfFile: root + "/recording/" + HTTPRecording.fileName, encoding: .utf8)
                let urls = try text.split(separator: "\n").map { try #require(JSONParser.parse(String($0))["url"]?.string) }
                #expect(!urls.isEmpty)
                #expect(urls.allSatisfy { $0.hasPrefix(fake.baseURL) }, "\(urls)")
                for secret in [Self.token, "secretsmanager", "GetSecretValue", "X-Amz", "AWS4-HMAC-SHA256"] {
                    #expect(!text.contains(secret), "\(secret) in the recording")
                }
            }
        }
    }
}

extension SecretsCLITests {
    @Test("graph draws a file with secrets without looking any up")
    func graphNeedsNoSecret() async throws {
        try await Self.withSecretsDirectory { root, mounted in
            let file = try Self.pipelineFile(in: root)
            let result = try await CLIRunner.run(
                ["graph", file, "--format", "mermaid"],
                environment: ["GITHUB_API_URL": "http://127.0.0.1:1", "PIPELINE_SECRETS": "dir:\(mounted)/nothing-here"])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.stdout.contains("repo --> branches"))
        }
    }
}
