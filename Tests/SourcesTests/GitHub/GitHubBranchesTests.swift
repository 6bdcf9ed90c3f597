import FakeGitHub
import Foundation
import LoopbackHTTP
import Pipeline
import Testing

@testable import Sources

@Suite("github_branches")
struct GitHubBranchesTests {
    static func names(_ records: [JSON]) -> [String] { records.compactMap { $0.str("name") } }

    @Test("every branch over several pages, fetched concurrently, each with add_fields' default_branch")
    func everyBranchConcurrently() async throws {
        try await GitHubTestbed.with(delay: .milliseconds(20)) { bed in
            let records = try await bed.run(
                "github_branches", ["per_page": 10, "add_fields": ["default_branch": "{default_branch}"]])
            #expect(bed.data.branches.count == 130)
            #expect(Self.names(records).count == 130)
            #expect(Set(Self.names(records)) == Set(bed.data.branches.map(\.name)))
            #expect(records.allSatisfy { $0.str("default_branch") == "trunk" })
            #expect(bed.fake.requests(matching: "/branches") == 13, "one GET per page of 10")
            #expect(bed.fake.maxInFlight > 1, "pages after the first should be fetched concurrently")
        }
    }

    @Test("pages are delivered in the API's order")
    func pageOrder() async throws {
        try await GitHubTestbed.with(delay: .milliseconds(5)) { bed in
            let records = try await bed.run("github_branches", ["per_page": 7])
            let expected = bed.data.branches.map(\.name).sorted {
                Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
            }
            #expect(Self.names(records) == expected)
        }
    }

    @Test("the default per_page is 100")
    func defaultPerPage() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_branches")
            #expect(records.count == 130)
            #expect(bed.queries(matching: "/branches").map { $0["per_page"] } == ["100", "100"])
        }
    }

    @Test("a narrow field selection yields branches with only those fields, plus add_fields")
    func narrowFields() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run(
                "github_branches", ["add_fields": ["default_branch": "{default_branch}"]],
                fields: FieldSelection([FieldPath("name")!, FieldPath("commit.sha")!]))
            #expect(records.count == 130)
            #expect(records.allSatisfy { $0.keys == ["name", "commit", "default_branch"] })
            #expect(records.allSatisfy { $0["commit"]?.keys == ["sha"] })
        }
    }

    @Test("5xx bursts are retried and the listing is still exact")
    func exactUnderServerErrors() async throws {
        try await GitHubTestbed.with(faults: .every(3, offset: 1, .serverError(status: 502))) { bed in
            let records = try await bed.run("github_branches", ["per_page": 10])
            #expect(Self.names(records).count == 130)
            #expect(Set(Self.names(records)) == Set(bed.data.branches.map(\.name)))
            #expect(bed.fake.requestLog.contains { $0.status == 502 }, "the faults should have fired")
        }
    }

    @Test("a Link next that points to the page itself is an error")
    func paginationLoop() async throws {
        let server = try makeLoopback { request, base in
            .json("[{\"name\": \"a\"}]", headers: [("link", "<\(base)\(request.target)>; rel=\"next\"")])
        }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let collector = ItemCollector()
        let error = await thrownError {
            let source = try makeSource("github_branches", ["token": ""])
            try await source.run(
                input: ["url": .string("\(server.baseURL)/repos/o/r")], output: Output(collectingInto: collector),
                context: makeContext(http: http))
        }
        let message = String(describing: try #require(error))
        #expect(message.contains("pagination loops"), "\(message)")
        #expect(message.contains("\(server.baseURL)/repos/o/r/branches"))
        #expect(!message.contains("\n"))
        #expect(server.requestCount == 1, "the repeated page is not fetched again")
        #expect(collector.records.count == 1)
    }

    @Test("a page that is not JSON is a clear error naming the URL")
    func invalidJSONPage() async throws {
        let server = try makeLoopback { _, _ in .json("[{\"name\": \"a\"}, <html>") }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError {
            _ = try await runSource(
                "github_branches", ["token": ""], input: ["url": .string("\(server.baseURL)/repos/o/r")], http: http)
        }
        let message = String(describing: try #require(error))
        #expect(message.contains("not JSON"), "\(message)")
        #expect(message.contains("\(server.baseURL)/repos/o/r/branches"))
        #expect(!message.contains("\n"))
    }

    @Test("a page that is JSON but not a list says what it found")
    func objectInsteadOfList() async throws {
        let server = try makeLoopback { _, _ in .json("{\"message\": \"hello\"}") }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError {
            _ = try await runSource(
                "github_branches", ["token": ""], input: ["url": .string("\(server.baseURL)/repos/o/r")], http: http)
        }
        let message = String(describing: try #require(error))
        #expect(message.contains("expected a list, found an object"), "\(message)")
    }

    @Test("per_page outside 1…100 is rejected at its path", arguments: [0, 101])
    func perPageValidation(perPage: Int) {
        let failure = optionsFailure("github_branches", ["per_page": .number(Double(perPage))])
        #expect(failure?.path == ["stages", "under_test", "per_page"])
    }

    @Test("an add_fields template that does not parse is rejected at its path")
    func badTemplate() {
        let failure = optionsFailure("github_branches", ["add_fields": ["x": "{unclosed"]])
        #expect(failure?.path.starts(with: ["stages", "under_test", "add_fields"]) == true, "\(String(describing: failure))")
    }
}
