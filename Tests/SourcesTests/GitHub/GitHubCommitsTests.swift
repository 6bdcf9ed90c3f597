import FakeGitHub
import Foundation
import Pipeline
import Testing

@testable import Sources

@Suite("github_commits")
struct GitHubCommitsTests {
    static func shas(_ records: [JSON]) -> [String] { records.compactMap { $0.str("sha") } }

    @Test("since 7d with sha {default_branch}: sends since (the UTC day), no until and sha=trunk; every commit since then")
    func windowOfDefaultBranch() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run(
                "github_commits", ["since": "7d", "sha": "{default_branch}", "per_page": 5])
            let expected = bed.data.commits.filter { $0.committedAt.seconds >= TestClock.weekAgoDay }
                .sorted { ($0.committedAt, $0.sha) > ($1.committedAt, $1.sha) }
            #expect(expected.count > 5, "the test needs several pages")
            #expect(expected.count < bed.data.commits.count, "and commits outside the window")
            #expect(Self.shas(records).count == records.count)
            #expect(Set(Self.shas(records)) == Set(expected.map(\.sha)))
            #expect(Self.shas(records) == expected.map(\.sha), "pages delivered in order, newest first")

            let queries = bed.queries(matching: "/commits")
            #expect(queries.count == (expected.count + 4) / 5, "one GET per page")
            for query in queries {
                #expect(query["sha"] == "trunk")
                #expect(query["since"] == Timestamp.format(TestClock.weekAgoDay))
                #expect(query["until"] == nil, "a scheduled run leaves the listing open-ended (a stable URL)")
            }
        }
    }

    @Test("a backfill (the run's clock more than a day before the wall clock) sends until = the run's clock")
    func backfillSendsUntil() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_commits", ["since": "7d"], startedAt: TestClock.now + 2 * 86_400)
            let expected = bed.data.commits.filter {
                $0.committedAt.seconds >= TestClock.weekAgoDay && $0.committedAt <= TestClock.date
            }
            #expect(Set(Self.shas(records)) == Set(expected.map(\.sha)) && records.count == expected.count)
            for query in bed.queries(matching: "/commits") {
                #expect(query["since"] == Timestamp.format(TestClock.weekAgoDay))
                #expect(query["until"] == Timestamp.format(TestClock.now))
            }
        }
    }

    @Test("sha defaults to the repository's default branch; without since nor a backfill, no since or until")
    func defaults() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_commits", [:])
            #expect(Set(Self.shas(records)) == Set(bed.data.commits.map(\.sha)))
            #expect(records.count == bed.data.commits.count)
            let query = try #require(bed.queries(matching: "/commits").first)
            #expect(query["sha"] == "trunk")
            #expect(query["since"] == nil)
            #expect(query["until"] == nil)
            #expect(query["per_page"] == "100")
        }
    }

    @Test("pages are fetched concurrently")
    func concurrentPages() async throws {
        try await GitHubTestbed.with(delay: .milliseconds(20)) { bed in
            let records = try await bed.run("github_commits", ["per_page": 2])
            #expect(records.count == bed.data.commits.count)
            #expect(bed.fake.maxInFlight > 1)
        }
    }

    @Test("a narrow field selection yields commits with only those fields")
    func narrowFields() async throws {
        try await GitHubTestbed.with { bed in
            let fields = FieldSelection([FieldPath("sha")!, FieldPath("commit.author.email")!])
            let records = try await bed.run("github_commits", ["since": "7d"], fields: fields)
            #expect(!records.isEmpty)
            for record in records {
                #expect(record.keys == ["sha", "commit"])
                #expect(record["commit"]?.keys == ["author"])
                #expect(record["commit"]?["author"]?.keys == ["email"])
            }
        }
    }

    @Test("an unknown branch is a one-line 404 naming the URL")
    func unknownBranch() async throws {
        try await GitHubTestbed.with { bed in
            let repository = try await bed.repositoryRecord()
            let error = await thrownError {
                _ = try await bed.run("github_commits", ["sha": "no-such-branch"], input: repository)
            }
            let message = String(describing: try #require(error))
            #expect(message.contains("404"))
            #expect(message.contains("\(bed.repositoryURL)/commits?sha=no-such-branch"))
            #expect(!message.contains("\n"))
        }
    }

    @Test("per_page outside 1…100 is rejected at its path", arguments: [0, 101])
    func perPageValidation(perPage: Int) {
        let failure = optionsFailure("github_commits", ["per_page": .number(Double(perPage))])
        #expect(failure?.path == ["stages", "under_test", "per_page"])
    }

    @Test("a since that is not a span is rejected at its path")
    func badSince() {
        let failure = optionsFailure("github_commits", ["since": "yesterday"])
        #expect(failure?.path == ["stages", "under_test", "since"])
    }
}
