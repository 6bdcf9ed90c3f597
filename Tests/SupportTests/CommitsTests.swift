import FakeGitHub
import Foundation
import Testing

@Suite("Commits")
struct CommitsTests {
    static let data = FakeGitHubData.edgeCases(now: TestTime.now)

    @Test func bigCommitFilesComeInPagesOf300() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let big = try #require(Self.data.commits.first { $0.files.count >= 350 })
        let url = fake.baseURL + "/repos/octo-org/octo-repo/commits/\(big.sha)"

        let first = try await http.get(url)
        #expect(first.status == 200)
        #expect((first.object["files"] as? [Any])?.count == 300)
        #expect(first.links["next"] == url + "?page=2")
        #expect(first.links["last"] == url + "?page=3")
        let stats = first.object["stats"] as? [String: Int]
        #expect(stats == ["additions": big.additions, "deletions": big.deletions, "total": big.additions + big.deletions])

        // Every page repeats the commit and carries the next slice of files.
        var paths: [String] = []
        var next: String? = url
        while let current = next {
            let page = try await http.get(current)
            #expect(page.object["sha"] as? String == big.sha)
            #expect((page.object["stats"] as? [String: Int]) == stats)
            paths += (page.object["files"] as? [[String: Any]] ?? []).compactMap { $0["filename"] as? String }
            next = page.links["next"]
        }
        #expect(paths == big.files)

        // Per-file counts add up to the commit's stats.
        let allFiles = try await http.getAll(url) { $0.object["files"] as? [[String: Any]] ?? [] }
        #expect(allFiles.compactMap { $0["additions"] as? Int }.reduce(0, +) == big.additions)
        #expect(allFiles.compactMap { $0["deletions"] as? Int }.reduce(0, +) == big.deletions)

        // A small commit: one page, no Link.
        let small = try #require(Self.data.commits.first { $0.files.count == 1 })
        let single = try await http.get(fake.baseURL + "/repos/octo-org/octo-repo/commits/\(small.sha)")
        #expect(single.header("link") == nil)
        #expect((single.object["files"] as? [Any])?.count == 1)
    }

    @Test func sinceAndUntilAreInclusiveOnTheCommitDate() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let windowStart = TestTime.now.addingTimeInterval(-7 * 86_400)
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"
        let inWindow = try await http.getAll(
            repo
                + "/commits?sha=trunk&since=\(GitHubDate.format(windowStart))&until=\(GitHubDate.format(TestTime.now))&per_page=100"
        )
        let expected = Self.data.commits.filter { $0.committedAt >= windowStart && $0.committedAt <= TestTime.now }
        #expect(inWindow.count == expected.count)
        #expect(inWindow.count > 100)
        let dates = inWindow.compactMap { ($0["commit"] as? [String: Any])?["committer"] as? [String: Any] }
            .compactMap { $0["date"] as? String }
        #expect(dates == dates.sorted(by: >))
        #expect(dates.last == GitHubDate.format(windowStart))  // the boundary commit is included

        // Unlinked authors have "author": null and their email in commit.author.
        let unlinked = inWindow.filter { $0["author"] is NSNull }
        #expect(!unlinked.isEmpty)
        let emails = unlinked.compactMap { (($0["commit"] as? [String: Any])?["author"] as? [String: Any])?["email"] as? String }
        #expect(emails.contains("Dev.Ghost@Example.COM"))

        #expect(try await http.get(repo + "/commits?sha=no-such-branch").status == 404)
        #expect(try await http.get(repo + "/commits?since=garbage").status == 422)
        #expect(try await http.get(repo + "/commits/0000000000000000000000000000000000000000").status == 422)
    }

    @Test func commitsCanBeFetchedByBranchOrShortSHA() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"
        let newest = Self.data.commits.max { $0.committedAt < $1.committedAt }!
        #expect(try await http.get(repo + "/commits/trunk").object["sha"] as? String == newest.sha)
        #expect(try await http.get(repo + "/commits/\(newest.sha.prefix(10))").object["sha"] as? String == newest.sha)
    }
}
