import FakeGitHub
import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import Testing

@testable import Sources

@Suite("github_commit")
struct GitHubCommitTests {
    /// The listing record (from `github_commits`) of the commit `where` picks: its `url` feeds `github_commit`.
    static func listed(_ bed: GitHubTestbed, where pick: (FakeCommit) -> Bool) async throws -> (FakeCommit, JSON) {
        let found = bed.data.commits.first(where: pick)
        let commit = try #require(found)
        let listing = try await bed.run("github_commits", [:])
        let record = try #require(listing.first { $0.str("sha") == commit.sha })
        return (commit, record)
    }

    static func commitPath(_ sha: String) -> String { "/repos/octo-org/octo-repo/commits/\(sha)" }

    @Test("the 613-file commit: every file page merged in order, stats from page 1, one GET per page")
    func mergesFilePages() async throws {
        try await GitHubTestbed.with { bed in
            let (commit, listed) = try await Self.listed(bed) { $0.files.count == 613 }
            let records = try await bed.run("github_commit", [:], input: listed)
            #expect(records.count == 1)
            let record = try #require(records.first)
            #expect(record.str("sha") == commit.sha)

            let files = record["files"]?.array ?? []
            #expect(files.count == 613)
            #expect(files.compactMap { $0.str("filename") } == commit.files, "every file once, in the API's order")
            #expect(record["stats"]?.int("additions") == commit.additions)
            #expect(record["stats"]?.int("deletions") == commit.deletions)
            #expect(record["stats"]?.int("total") == commit.additions + commit.deletions)
            // The per-file counts add up to the commit's: no page lost or doubled.
            #expect(files.compactMap { $0.int("additions") }.reduce(0, +) == commit.additions)

            let gets = bed.fake.requestLog.filter { $0.path == Self.commitPath(commit.sha) }
            #expect(gets.count == 3, "300 + 300 + 13 files: three pages, each fetched once")
            let pages = gets.map { HTTPRequestHead(method: $0.method, target: $0.target).query["page"] ?? "1" }
            #expect(pages.sorted() == ["1", "2", "3"])
        }
    }

    @Test("when pages disagree, the commit (stats included) comes from page 1 and files from every page in order")
    func statsFromFirstPage() async throws {
        let server = try makeLoopback { request, base in
            let page = Int(request.query["page"] ?? "1") ?? 1
            let link =
                page < 3
                ? "<\(base)\(request.path)?page=\(page + 1)>; rel=\"next\", <\(base)\(request.path)?page=3>; rel=\"last\"" : ""
            return .json(
                "{\"sha\": \"abc\", \"stats\": {\"total\": \(page * 100)}, \"files\": [{\"filename\": \"f\(page)\"}]}",
                headers: link.isEmpty ? [] : [("link", link)])
        }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let records = try await runSource(
            "github_commit", ["token": ""], input: ["url": .string("\(server.baseURL)/repos/o/r/commits/abc")], http: http)
        #expect(records.count == 1)
        #expect(records.first?["stats"]?.int("total") == 100)
        #expect(records.first?["files"]?.array?.compactMap { $0.str("filename") } == ["f1", "f2", "f3"])
        #expect(server.requestCount == 3)
    }

    @Test("a small commit is one GET and keeps its files as they are")
    func smallCommit() async throws {
        try await GitHubTestbed.with { bed in
            let (commit, listed) = try await Self.listed(bed) { $0.files.count == 2 }
            let records = try await bed.run("github_commit", [:], input: listed)
            let record = try #require(records.first)
            #expect(records.count == 1)
            #expect(record["files"]?.array?.compactMap { $0.str("filename") } == commit.files)
            #expect(record["parents"]?.array?.count == commit.parents.count)
            #expect(bed.fake.requestLog.filter { $0.path == Self.commitPath(commit.sha) }.count == 1)
        }
    }

    @Test("url is a template over the input record, and add_fields are added")
    func urlTemplateAndAddFields() async throws {
        try await GitHubTestbed.with { bed in
            let commit = try #require(bed.data.commits.first)
            let input: JSON = ["api": .string(bed.repositoryURL), "id": .string(commit.sha), "branch": "trunk"]
            let records = try await bed.run(
                "github_commit", ["url": "{api}/commits/{id}", "add_fields": ["on_branch": "{branch}"]], input: input)
            #expect(records.count == 1)
            #expect(records.first?.str("sha") == commit.sha)
            #expect(records.first?.str("on_branch") == "trunk")
        }
    }

    @Test("a narrow field selection yields a commit with only those fields, even over several file pages")
    func narrowFields() async throws {
        try await GitHubTestbed.with { bed in
            let (commit, listed) = try await Self.listed(bed) { $0.files.count == 613 }
            let fields = FieldSelection([FieldPath("sha")!, FieldPath("stats.total")!])
            let records = try await bed.run("github_commit", [:], input: listed, fields: fields)
            let record = try #require(records.first)
            #expect(record.keys == ["sha", "stats"])
            #expect(record["stats"]?.keys == ["total"])
            #expect(record["stats"]?.int("total") == commit.additions + commit.deletions)
        }
    }

    @Test("a narrow selection of file names still merges every page")
    func narrowFileFields() async throws {
        try await GitHubTestbed.with { bed in
            let (commit, listed) = try await Self.listed(bed) { $0.files.count == 613 }
            let fields = FieldSelection([FieldPath("files.filename")!])
            let records = try await bed.run("github_commit", [:], input: listed, fields: fields)
            let record = try #require(records.first)
            #expect(record.keys == ["files"])
            #expect(record["files"]?.array?.compactMap { $0.str("filename") } == commit.files)
            #expect(record["files"]?.array?.allSatisfy { $0.keys == ["filename"] } == true)
        }
    }

    @Test("an unknown SHA is a one-line error naming the URL and the status")
    func unknownSHA() async throws {
        try await GitHubTestbed.with { bed in
            let url = "\(bed.repositoryURL)/commits/0000000000000000000000000000000000000000"
            let error = await thrownError { _ = try await bed.run("github_commit", [:], input: ["url": .string(url)]) }
            let message = String(describing: try #require(error))
            #expect(message.contains(url))
            #expect(message.contains("422"))
            #expect(!message.contains("\n"))
        }
    }
}
