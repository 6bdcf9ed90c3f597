import FakeGitHub
import Foundation
import Testing

@Suite("Endpoints")
struct EndpointTests {
    static let data = FakeGitHubData.edgeCases(now: TestTime.now)

    @Test func repositoryAndNotFound() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let repo = try await http.get(fake.baseURL + "/repos/octo-org/octo-repo")
        #expect(repo.status == 200)
        #expect(repo.object["default_branch"] as? String == "trunk")
        #expect(repo.object["full_name"] as? String == "octo-org/octo-repo")
        #expect(repo.header("content-type") == "application/json; charset=utf-8")
        #expect(repo.header("x-ratelimit-limit") == "5000")
        #expect(repo.header("x-ratelimit-resource") == "core")
        #expect(repo.header("x-github-api-version-selected") == "2022-11-28")
        #expect(repo.header("etag") != nil)
        #expect(Int(repo.header("x-ratelimit-reset") ?? "") ?? 0 > Int(Date().timeIntervalSince1970))
        #expect(repo.header("x-ratelimit-used") != nil && repo.header("x-ratelimit-remaining") != nil)

        for path in [
            "/repos/octo-org/other-repo/pulls", "/repos/someone/octo-repo", "/repos/octo-org/octo-repo/issues",
            "/nothing",
        ] {
            let response = try await http.get(fake.baseURL + path)
            #expect(response.status == 404, "\(path)")
            #expect(response.object["message"] as? String == "Not Found")
            #expect(response.object["status"] as? String == "404")
            #expect(response.object["documentation_url"] is String)
        }
    }

    @Test func pullRequestStatesAndOrder() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"
        let open = try await http.getAll(repo + "/pulls")
        #expect(open.count == Self.data.pulls.filter(\.isOpen).count)
        #expect(open.allSatisfy { $0["state"] as? String == "open" })
        let created = open.compactMap { $0["created_at"] as? String }
        #expect(created == created.sorted(by: >))  // default: created, descending

        let closed = try await http.getAll(repo + "/pulls?state=closed&sort=updated&direction=desc&per_page=100")
        #expect(closed.count == Self.data.pulls.filter { !$0.isOpen }.count)
        let updated = closed.compactMap { $0["updated_at"] as? String }
        #expect(updated == updated.sorted(by: >))
        #expect(closed.contains { $0["merged_at"] is NSNull })
        #expect(closed.contains { $0["merged_at"] is String })

        // sort=updated without a direction is ascending, as on GitHub.
        let ascending = try await http.get(repo + "/pulls?state=all&sort=updated&per_page=100")
        let ascendingDates = ascending.array.compactMap { $0["updated_at"] as? String }
        #expect(ascendingDates == ascendingDates.sorted())

        let all = try await http.getAll(repo + "/pulls?state=all&per_page=100")
        #expect(all.count == Self.data.pulls.count)
        #expect(try await http.get(repo + "/pulls?state=bogus").status == 422)
    }

    @Test("update swaps the data: changed pages get new bodies and ETags, unchanged ones keep theirs")
    func updateWhileServing() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let pullsURL = fake.baseURL + "/repos/octo-org/octo-repo/pulls?state=open&per_page=100"
        let branchesURL = fake.baseURL + "/repos/octo-org/octo-repo/branches?per_page=100"
        let pulls = try #require(try await http.get(pullsURL).header("etag"))
        let branches = try #require(try await http.get(branchesURL).header("etag"))

        fake.update { $0.pulls.removeAll { $0.isOpen } }
        #expect(fake.data.pulls.allSatisfy { !$0.isOpen })
        let changed = try await http.get(pullsURL, headers: ["If-None-Match": pulls])
        #expect(changed.status == 200)
        #expect(changed.header("etag") != pulls)
        #expect(changed.array.isEmpty)
        #expect(try await http.get(branchesURL, headers: ["If-None-Match": branches]).status == 304)
    }

    @Test func conditionalRequestsAndStats() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let url = fake.baseURL + "/repos/octo-org/octo-repo/branches"
        let first = try await http.get(url)
        let etag = try #require(first.header("etag"))
        let second = try await http.get(url, headers: ["If-None-Match": etag])
        #expect(second.status == 304)

        let stats = try await http.get(fake.baseURL + "/_stats")
        #expect(stats.object["requests"] as? Int == 2)
        #expect(stats.object["max_in_flight"] as? Int == 1)
        #expect(fake.requestCount == 2)
        #expect(fake.requests(matching: "/branches") == 2)
        #expect(fake.requests(matching: "/repos/octo-org/octo-repo/branches") == 2)
        #expect(fake.requests(matching: "/pulls") == 0)
        #expect(fake.requestLog.map(\.userAgent) == ["support-tests", "support-tests"])
    }

    @Test func delayIsAppliedAndConcurrencyMeasured() async throws {
        let fake = try FakeGitHub(data: Self.data, delay: .milliseconds(100))
        defer { fake.stop() }
        let http = TestHTTP()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for page in 1...4 {
                group.addTask { try await http.get(fake.baseURL + "/repos/octo-org/octo-repo/branches?page=\(page)").status }
            }
            for try await status in group { #expect(status == 200) }
        }
        // Timing upper bounds are unreliable on a loaded 2-core machine; overlap shows concurrency.
        #expect(ContinuousClock.now - started >= .milliseconds(100))
        #expect(fake.maxInFlight >= 2)
    }
}
