import Pipeline
import Testing

@Suite struct DistinctCountTests {
    static func commit(login: String?, email: String) -> JSON {
        let author: JSON = login.map { ["login": .string($0)] } ?? .null
        return ["author": author, "commit": ["author": ["email": .string(email)]]]
    }

    static let commits: [JSON] = [
        commit(login: "octocat", email: "octo@example.com"),
        commit(login: "OctoCat", email: "other@example.com"),  // same account, other case
        commit(login: nil, email: "Dev@Example.com"),  // no linked account
        commit(login: nil, email: "dev@example.com"),
        commit(login: "hubot", email: "dev@example.com"),  // the account wins over the email
    ]

    @Test func authorIdentityFallsBackToTheEmailLowerCased() throws {
        let options: JSON = [
            "field": "author.login|commit.author.email", "lowercase": true, "metric": "github.developers.active_7d",
        ]
        #expect(try Harness.value("distinct_count", options, Self.commits) == 3)  // octocat, dev@example.com, hubot
    }

    @Test func withoutLowercaseCaseMatters() throws {
        let options: JSON = ["field": "author.login|commit.author.email", "metric": "m"]
        #expect(try Harness.value("distinct_count", options, Self.commits) == 5)
    }

    @Test func nestedPathCountsEmails() throws {
        let options: JSON = ["field": "commit.author.email", "lowercase": true, "metric": "m"]
        #expect(try Harness.value("distinct_count", options, Self.commits) == 3)
    }

    @Test func arraysAreFlattenedAcrossRecords() throws {
        let details: [JSON] = [
            ["files": [["filename": "a.swift"], ["filename": "b.swift"]]],
            ["files": [["filename": "b.swift"], ["filename": "c/d.swift"]]],
            ["files": []], [:],
        ]
        let options: JSON = ["field": "files.filename", "metric": "github.code.files_changed_7d"]
        #expect(try Harness.value("distinct_count", options, details) == 3)
    }

    @Test func nullsAreSkippedAndKindsKeptApart() throws {
        let input: [JSON] = [["v": 1], ["v": 1.0], ["v": "1"], ["v": nil], [:]]
        #expect(try Harness.value("distinct_count", ["field": "v", "metric": "m"], input) == 2)
    }

    @Test func emptyInputCountsZero() throws {
        #expect(try Harness.value("distinct_count", ["field": "author.login", "metric": "m"], []) == 0)
    }
}
