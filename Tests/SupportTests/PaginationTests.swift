import FakeGitHub
import Foundation
import Testing

@testable import FakeGitHub

@Suite("Pagination")
struct PaginationTests {
    @Test func linkHeaderHasOnlyTheRelationsThatApply() {
        let base = "http://h"
        let first = Pagination(query: ["per_page": "30"])
        #expect(
            first.linkHeader(base: base, path: "/x", rawQuery: "per_page=30", reachable: 130)
                == "<http://h/x?per_page=30&page=2>; rel=\"next\", <http://h/x?per_page=30&page=5>; rel=\"last\"")
        let middle = Pagination(query: ["per_page": "30", "page": "3"])
        #expect(
            middle.linkHeader(base: base, path: "/x", rawQuery: "page=3&per_page=30&state=all", reachable: 130)
                == "<http://h/x?per_page=30&state=all&page=2>; rel=\"prev\", "
                + "<http://h/x?per_page=30&state=all&page=4>; rel=\"next\", "
                + "<http://h/x?per_page=30&state=all&page=5>; rel=\"last\", "
                + "<http://h/x?per_page=30&state=all&page=1>; rel=\"first\"")
        let last = Pagination(query: ["per_page": "30", "page": "5"])
        #expect(
            last.linkHeader(base: base, path: "/x", rawQuery: "per_page=30&page=5", reachable: 130)
                == "<http://h/x?per_page=30&page=4>; rel=\"prev\", <http://h/x?per_page=30&page=1>; rel=\"first\"")
        #expect(first.linkHeader(base: base, path: "/x", rawQuery: "", reachable: 30) == nil)
        #expect(first.linkHeader(base: base, path: "/x", rawQuery: "", reachable: 0) == nil)
    }

    @Test func perPageDefaultsAndLimits() {
        #expect(Pagination(query: [:]).perPage == 30)
        #expect(Pagination(query: ["per_page": "500"]).perPage == 100)
        #expect(Pagination(query: ["per_page": "0"]).perPage == 30)
        #expect(Pagination(query: ["page": "0"]).page == 1)
        #expect(Pagination(query: ["page": "4", "per_page": "10"]).range(reachable: 35) == 30..<35)
        #expect(Pagination(query: ["page": "9", "per_page": "10"]).range(reachable: 35).isEmpty)
    }

    @Test func branchesPageLikeGitHub() async throws {
        let fake = try FakeGitHub(data: .edgeCases(now: TestTime.now))
        defer { fake.stop() }
        let http = TestHTTP()
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"

        let first = try await http.get(repo + "/branches?per_page=100")
        #expect(first.status == 200)
        #expect(first.array.count == 100)
        #expect(first.links == ["next": repo + "/branches?per_page=100&page=2", "last": repo + "/branches?per_page=100&page=2"])

        let second = try await http.get(first.links["next"]!)
        #expect(second.array.count == 30)
        #expect(
            second.links == ["prev": repo + "/branches?per_page=100&page=1", "first": repo + "/branches?per_page=100&page=1"])

        // Default page size 30: five pages, the middle one with all four relations.
        let middle = try await http.get(repo + "/branches?page=3")
        #expect(middle.array.count == 30)
        #expect(Set(middle.links.keys) == ["prev", "next", "last", "first"])
        #expect(middle.links["last"] == repo + "/branches?page=5")

        // Following `next` visits every branch once, in name order.
        let all = try await http.getAll(repo + "/branches?per_page=7")
        let names = all.compactMap { $0["name"] as? String }
        #expect(names.count == 130)
        #expect(Set(names).count == 130)
        #expect(names == names.sorted())
        #expect(names.contains("trunk") && names.contains("main"))
    }

    @Test func onePageHasNoLinkHeader() async throws {
        let fake = try FakeGitHub(data: .edgeCases(now: TestTime.now))
        defer { fake.stop() }
        let response = try await TestHTTP().get(fake.baseURL + "/repos/octo-org/octo-repo/pulls?state=open&per_page=100")
        #expect(response.array.count == 12)
        #expect(response.header("link") == nil)
    }

    @Test func linksKeepOtherParameters() async throws {
        let fake = try FakeGitHub(data: .edgeCases(now: TestTime.now))
        defer { fake.stop() }
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"
        let response = try await TestHTTP().get(repo + "/pulls?state=closed&sort=updated&direction=desc&per_page=50")
        #expect(response.array.count == 50)
        #expect(response.links["next"] == repo + "/pulls?state=closed&sort=updated&direction=desc&per_page=50&page=2")
        #expect(response.links["last"] == repo + "/pulls?state=closed&sort=updated&direction=desc&per_page=50&page=3")
    }
}
