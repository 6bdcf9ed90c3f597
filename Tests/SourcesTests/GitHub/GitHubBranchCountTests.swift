import FakeGitHub
import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import Testing

@testable import Sources

@Suite("github_branch_count")
struct GitHubBranchCountTests {
    @Test("130 branches are counted from one request's Link rel=last, the default branch set apart")
    func countsFromLastLink() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_branch_count")
            #expect(records.count == 1)
            #expect(records.first?["count"]?.number == Double(bed.data.branches.count))
            #expect(records.first?["other_than_default"]?.number == Double(bed.data.branches.count - 1))
            #expect(bed.queries(matching: "/branches").map { $0["per_page"] } == ["1"])
        }
    }

    @Test(
        "an empty repository has no branch and none other than the default",
        arguments: [
            ("[]", 0.0, 0.0), ("[{\"name\": \"main\"}]", 1.0, 0.0),
        ])
    func withoutLinkHeader(body: String, count: Double, others: Double) async throws {
        let server = try makeLoopback { _, _ in .json(body) }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let records = try await runSource(
            "github_branch_count", ["token": ""], input: ["url": .string("\(server.baseURL)/repos/o/r")], http: http)
        #expect(records.first?["count"]?.number == count)
        #expect(records.first?["other_than_default"]?.number == others)
    }

    @Test("a Link header with a next page but no last page is a clear error")
    func nextWithoutLast() async throws {
        let server = try makeLoopback { request, base in
            .json("[{\"name\": \"a\"}]", headers: [("link", "<\(base)\(request.target)&page=2>; rel=\"next\"")])
        }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError {
            _ = try await runSource(
                "github_branch_count", ["token": ""], input: ["url": .string("\(server.baseURL)/repos/o/r")], http: http)
        }
        let message = String(describing: try #require(error))
        #expect(message.contains("no last page"), "\(message)")
        #expect(message.contains("\(server.baseURL)/repos/o/r/branches?per_page=1"))
    }

    @Test("a 404 names the URL and GitHub's message")
    func notFound() async throws {
        let server = try makeLoopback { _, _ in .json("{\"message\": \"Not Found\"}", status: 404) }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let error = await thrownError {
            _ = try await runSource(
                "github_branch_count", ["token": ""], input: ["url": .string("\(server.baseURL)/repos/o/r")], http: http)
        }
        let message = String(describing: try #require(error))
        #expect(message.contains("404") && message.contains("Not Found"), "\(message)")
    }
}
