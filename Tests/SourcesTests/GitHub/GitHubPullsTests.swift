import FakeGitHub
import Foundation
import LoopbackHTTP
import Pipeline
import Testing

@testable import Sources

@Suite("github_pulls")
struct GitHubPullsTests {
    static func numbers(_ records: [JSON]) -> [Int] { records.compactMap { $0.int("number") } }

    @Test("state open: every open PR over several pages, each once")
    func openOverPages() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_pulls", ["state": "open", "per_page": 5])
            let expected = bed.data.pulls.filter(\.isOpen).map(\.number)
            #expect(expected.count == 12)
            #expect(Self.numbers(records).count == expected.count)
            #expect(Set(Self.numbers(records)) == Set(expected))
            #expect(records.allSatisfy { $0.str("state") == "open" })
            #expect(bed.fake.requests(matching: "/pulls") == 3, "12 PRs, 5 a page: three GETs")
            #expect(bed.queries(matching: "/pulls").allSatisfy { $0["state"] == "open" && $0["sort"] == nil })
        }
    }

    @Test("state defaults to open")
    func defaultState() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_pulls", [:])
            #expect(Set(Self.numbers(records)) == Set(bed.data.pulls.filter(\.isOpen).map(\.number)))
            #expect(bed.queries(matching: "/pulls").first?["state"] == "open")
        }
    }

    @Test("state closed + updated_since 7d: stops paging early, returns exactly the closed PRs updated in the window")
    func closedUpdatedSinceStopsEarly() async throws {
        try await GitHubTestbed.with { bed in
            let perPage = 10
            let records = try await bed.run(
                "github_pulls", ["state": "closed", "updated_since": "7d", "per_page": .number(Double(perPage))])
            let closed = bed.data.pulls.filter { !$0.isOpen }
            let expected = closed.filter { $0.updatedAt >= TestClock.weekAgo }.map(\.number)
            #expect(expected.count == 19, "9 merged, 4 closed, 5 old but discussed, 1 merged before the window")
            #expect(Self.numbers(records).count == expected.count)
            #expect(Set(Self.numbers(records)) == Set(expected))

            let closedPages = (closed.count + perPage - 1) / perPage
            let requests = bed.fake.requests(matching: "/pulls")
            #expect(requests < closedPages, "read \(requests) of \(closedPages) pages")
            #expect(requests == (expected.count + perPage) / perPage, "up to the first page that reaches past the window")
            for query in bed.queries(matching: "/pulls") {
                #expect(query["sort"] == "updated" && query["direction"] == "desc" && query["state"] == "closed")
            }
        }
    }

    @Test("updated_since on a page boundary reads one more page and keeps nothing from it")
    func updatedSinceOnPageBoundary() async throws {
        try await GitHubTestbed.with { bed in
            // 19 closed PRs updated in the window: with 19 a page the second page starts outside it.
            let records = try await bed.run(
                "github_pulls", ["state": "closed", "updated_since": "7d", "per_page": 19])
            #expect(records.count == 19)
            #expect(bed.fake.requests(matching: "/pulls") == 2)
        }
    }

    @Test("state all lists open and closed PRs")
    func stateAll() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_pulls", ["state": "all"])
            #expect(Self.numbers(records).count == bed.data.pulls.count)
            #expect(Set(Self.numbers(records)) == Set(bed.data.pulls.map(\.number)))
        }
    }

    @Test("a narrow field selection yields PRs with only those fields")
    func narrowFields() async throws {
        try await GitHubTestbed.with { bed in
            let fields = FieldSelection([FieldPath("number")!, FieldPath("user.login")!])
            let records = try await bed.run("github_pulls", ["state": "all", "per_page": 50], fields: fields)
            #expect(records.count == bed.data.pulls.count)
            for record in records {
                #expect(record.keys == ["number", "user"])
                #expect(record["user"]?.keys == ["login"])
            }
        }
    }

    @Test("with updated_since a narrow selection still filters by updated_at")
    func narrowFieldsWithCutoff() async throws {
        try await GitHubTestbed.with { bed in
            let fields = FieldSelection([FieldPath("number")!])
            let records = try await bed.run(
                "github_pulls", ["state": "closed", "updated_since": "7d"], fields: fields)
            let expected = bed.data.pulls.filter { !$0.isOpen && $0.updatedAt >= TestClock.weekAgo }.map(\.number)
            #expect(Set(Self.numbers(records)) == Set(expected) && records.count == expected.count)
            // updated_at is read for the cutoff; nothing else beyond the selection.
            #expect(records.allSatisfy { Set($0.keys).isSubset(of: ["number", "updated_at"]) })
        }
    }

    @Test("a Link next that cycles back to an earlier page is an error, not an endless loop")
    func paginationCycle() async throws {
        // Sequential paging (updated_since): page 1 links to 2, page 2 back to 1.
        let server = try makeLoopback { request, base in
            let page = request.query["page"] ?? "1"
            let next = page == "1" ? "2" : "1"
            let target = "\(base)\(request.path)?state=closed&sort=updated&direction=desc&per_page=100&page=\(next)"
            return .json("[{\"number\": \(page)}]", headers: [("link", "<\(target)>; rel=\"next\"")])
        }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError {
            _ = try await runSource(
                "github_pulls", ["state": "closed", "updated_since": "7d", "token": ""],
                input: ["url": .string("\(server.baseURL)/repos/o/r")], http: http)
        }
        let message = String(describing: try #require(error))
        #expect(message.contains("pagination loops"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(server.requestCount < 10)
    }

    @Test("a bad state is rejected at its path", arguments: ["merged", "OPEN", ""])
    func stateValidation(state: String) {
        let failure = optionsFailure("github_pulls", ["state": .string(state)])
        #expect(failure?.path == ["stages", "under_test", "state"])
        #expect(failure?.message.contains("open, closed or all") == true)
    }

    @Test("per_page outside 1…100 is rejected at its path", arguments: [0, 101])
    func perPageValidation(perPage: Int) {
        let failure = optionsFailure("github_pulls", ["per_page": .number(Double(perPage))])
        #expect(failure?.path == ["stages", "under_test", "per_page"])
    }
}
