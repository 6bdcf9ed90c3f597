import FakeGitHub
import Foundation
import Pipeline
import Testing

@testable import Sources

/// How every GitHub stage authenticates: `Authorization: Bearer TOKEN`, or nothing.
@Suite("GitHub token")
struct GitHubTokenTests {
    /// Runs each GitHub stage once against the testbed.
    static func runEveryStage(_ bed: GitHubTestbed) async throws {
        let repository = try await bed.repositoryRecord()
        _ = try await bed.run("github_pulls", ["state": "all"], input: repository)
        _ = try await bed.run("github_branches", [:], input: repository)
        let commits = try await bed.run("github_commits", ["since": "1d"], input: repository)
        let commit: JSON = try #require(commits.first)
        _ = try await bed.run("github_commit", [:], input: commit)
        _ = try await bed.run("github_workflow_runs", ["created_within": "1d"], input: repository)
        _ = try await bed.run("github_workflow_runs", ["limit": 1], input: repository)
    }

    @Test("every stage sends the token as Authorization: Bearer …")
    func bearerEverywhere() async throws {
        try await GitHubTestbed.with(serverToken: "ghp_test_0123456789", token: "ghp_test_0123456789") { bed in
            try await Self.runEveryStage(bed)
            #expect(bed.fake.authorizationHeaders == ["Bearer ghp_test_0123456789"])
            #expect(bed.fake.unauthenticatedRequestCount == 0)
            #expect(bed.fake.requestLog.allSatisfy { $0.status == 200 })
            #expect(bed.fake.requestCount >= 7)
        }
    }

    @Test("with token \"\" no stage sends an Authorization header")
    func noToken() async throws {
        try await GitHubTestbed.with(token: nil) { bed in
            try await Self.runEveryStage(bed)
            #expect(bed.fake.authorizationHeaders.isEmpty)
            #expect(bed.fake.unauthenticatedRequestCount == bed.fake.requestCount)
        }
    }

    @Test("a wrong token fails with 401, and the message does not contain the token")
    func wrongToken() async throws {
        let secret = "ghp_wrong_secret_987"
        try await GitHubTestbed.with(serverToken: "ghp_right", token: secret) { bed in
            let error = await thrownError { _ = try await bed.repositoryRecord() }
            let message = String(describing: try #require(error))
            #expect(message.contains("401"), "\(message)")
            #expect(message.contains(bed.repositoryURL))
            #expect(!message.contains(secret))
            #expect(!message.contains("\n"))
            #expect(bed.fake.authorizationHeaders == ["Bearer \(secret)"])
        }
    }

    @Test("a wrong token on a listing stage fails with 401 without the token")
    func wrongTokenOnListing() async throws {
        let secret = "ghp_wrong_listing_secret"
        try await GitHubTestbed.with(serverToken: "ghp_right", token: "ghp_right") { bed in
            let repository = try await bed.repositoryRecord()
            let error = await thrownError {
                _ = try await bed.run("github_branches", ["token": .string(secret)], input: repository)
            }
            let message = String(describing: try #require(error))
            #expect(message.contains("401"), "\(message)")
            #expect(!message.contains(secret))
        }
    }

    @Test("no token where one is needed fails with 401 and says to check the token")
    func missingToken() async throws {
        try await GitHubTestbed.with(serverToken: "ghp_right", token: nil) { bed in
            let error = await thrownError { _ = try await bed.repositoryRecord() }
            let message = String(describing: try #require(error))
            #expect(message.contains("401") && message.contains("token"), "\(message)")
            #expect(bed.fake.unauthenticatedRequestCount == 1)
        }
    }
}
