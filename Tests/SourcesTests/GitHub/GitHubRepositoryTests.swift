import FakeGitHub
import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import Testing

@testable import Sources

@Suite("github_repository")
struct GitHubRepositoryTests {
    static func repository(
        _ name: String, apiURL: String, token: String = "", http: HTTPClient, fields: FieldSelection = .all
    ) async throws -> [JSON] {
        try await runSource(
            "github_repository", ["repository": .string(name), "api_url": .string(apiURL), "token": .string(token)],
            input: nil, http: http, fields: fields)
    }

    @Test("one GET of /repos/{owner}/{repo} gives default_branch and the API URL the other stages use")
    func record() async throws {
        try await GitHubTestbed.with { bed in
            let record = try await bed.repositoryRecord()
            #expect(record.str("default_branch") == "trunk", "the edge scenario's default branch is not main")
            #expect(record.str("url") == bed.repositoryURL)
            #expect(record.str("full_name") == "octo-org/octo-repo")
            #expect(bed.fake.requestLog.map(\.target) == ["/repos/octo-org/octo-repo"])
        }
    }

    @Test("an api_url with a trailing slash gives the same request")
    func trailingSlash() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await Self.repository("octo-org/octo-repo", apiURL: bed.fake.baseURL + "/", http: bed.http)
            #expect(records.first?.str("default_branch") == "trunk")
            #expect(bed.fake.requestLog.map(\.path) == ["/repos/octo-org/octo-repo"])
        }
    }

    @Test("a narrow field selection keeps only those fields, and default_branch")
    func narrowFields() async throws {
        try await GitHubTestbed.with { bed in
            let record = try await bed.repositoryRecord(fields: FieldSelection([FieldPath("url")!]))
            #expect(Set(record.keys) == ["url", "default_branch"])
            #expect(record.str("url") == bed.repositoryURL)
        }
    }

    @Test("a missing repository is one line naming the URL and 404")
    func notFound() async throws {
        try await GitHubTestbed.with { bed in
            let error = await thrownError {
                _ = try await Self.repository("octo-org/no-such-repo", apiURL: bed.fake.baseURL, http: bed.http)
            }
            let message = String(describing: try #require(error))
            #expect(message.contains("\(bed.fake.baseURL)/repos/octo-org/no-such-repo"), "\(message)")
            #expect(message.contains("404"))
            #expect(!message.contains("\n"))
        }
    }

    @Test("a body that is not JSON is a clear error naming the URL")
    func invalidJSON() async throws {
        let server = try makeLoopback { _, _ in .json("{\"default_branch\": \"main\", garbage") }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError { _ = try await Self.repository("o/r", apiURL: server.baseURL, http: http) }
        let message = String(describing: try #require(error))
        #expect(message.contains("\(server.baseURL)/repos/o/r"), "\(message)")
        #expect(message.contains("not JSON"))
        #expect(!message.contains("\n"))
    }

    @Test("an answer without default_branch is an error, not a record")
    func noDefaultBranch() async throws {
        let server = try makeLoopback { _, _ in .json("{\"login\": \"octocat\"}") }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError { _ = try await Self.repository("o/r", apiURL: server.baseURL, http: http) }
        let message = String(describing: try #require(error))
        #expect(message.contains("default_branch"), "\(message)")
    }

    @Test("repository that is not owner/name is rejected at its path", arguments: ["octo-repo", "a/b/c", "/r", "o/", ""])
    func repositoryValidation(repository: String) {
        let failure = optionsFailure("github_repository", ["repository": .string(repository)])
        #expect(failure?.path == ["stages", "under_test", "repository"])
        #expect(failure?.message.contains("owner/name") == true)
    }

    @Test("a missing repository option is reported at its path")
    func repositoryMissing() {
        let failure = optionsFailure("github_repository", ["api_url": "https://api.github.com"])
        #expect(failure?.path == ["stages", "under_test", "repository"])
    }

    @Test("an api_url that is not http(s) is rejected at its path")
    func apiURLValidation() {
        let failure = optionsFailure("github_repository", ["repository": "o/r", "api_url": "api.github.com"])
        #expect(failure?.path == ["stages", "under_test", "api_url"])
    }
}
