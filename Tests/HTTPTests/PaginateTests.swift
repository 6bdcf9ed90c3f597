import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("HTTPClient.paginate")
struct PaginateTests {
    /// A listing of `pages` pages at /items?per_page=2&page=N with GitHub-style Link headers;
    /// earlier pages answer more slowly when `skew` is set, so concurrent fetches finish out of order.
    static func listing(pages: Int, skew: Bool = false, loopAt: Int? = nil) throws -> LoopbackServer {
        let base = Shared("")
        let server = try LoopbackServer { request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            let url = { (n: Int) in "\(base.value)/items?per_page=2&page=\(n)" }
            var links: [String] = []
            if page < pages { links.append("<\(url(loopAt == page ? 1 : page + 1))>; rel=\"next\"") }
            links.append("<\(url(pages))>; rel=\"last\"")
            var response = LoopbackResponse.json(
                "[\(page)]", headers: [("Link", links.joined(separator: ", "))])
            if skew { response.delay = .milliseconds(10 * (pages - page + 1)) }
            return response
        }
        base.update { $0 = server.baseURL }
        return server
    }

    @Test func sequentialFollowsNext() async throws {
        let server = try Self.listing(pages: 5)
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let seen = Shared<[String]>([])

        try await client.paginate(.get(server.baseURL + "/items?per_page=2"), concurrently: false) { response, index in
            seen.update { $0.append("\(index):\(response.text)") }
            return .continue
        }

        #expect(seen.value == ["0:[1]", "1:[2]", "2:[3]", "3:[4]", "4:[5]"])
        #expect(server.maxInFlight == 1)
    }

    @Test func concurrentDeliversInPageOrder() async throws {
        let server = try Self.listing(pages: 12, skew: true)
        defer { server.stop() }
        let client = makeClient(maxConcurrentPerHost: 4)
        defer { client.shutdown() }
        let seen = Shared<[String]>([])

        try await client.paginate(.get(server.baseURL + "/items?per_page=2"), concurrently: true) { response, index in
            seen.update { $0.append("\(index):\(response.text)") }
            return .continue
        }

        #expect(seen.value == (1...12).map { "\($0 - 1):[\($0)]" })
        #expect(server.requestCount == 12)
        #expect(server.maxInFlight > 1)
        #expect(server.maxInFlight <= 4)
    }

    @Test func concurrentWithoutNumberedLastFollowsNext() async throws {
        let base = Shared("")
        let server = try LoopbackServer { request in
            let cursor = Int(request.query["after"] ?? "0") ?? 0
            let link = cursor < 2 ? [("Link", "<\(base.value)/events?after=\(cursor + 1)>; rel=\"next\"")] : []
            return .json("[\(cursor)]", headers: link)
        }
        base.update { $0 = server.baseURL }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let seen = Shared<[String]>([])

        try await client.paginate(.get(server.baseURL + "/events"), concurrently: true) { response, index in
            seen.update { $0.append("\(index):\(response.text)") }
            return .continue
        }

        #expect(seen.value == ["0:[0]", "1:[1]", "2:[2]"])
    }

    @Test func relativeNextLinksAreResolved() async throws {
        let server = try LoopbackServer { request in
            let cursor = Int(request.query["after"] ?? "0") ?? 0
            let link = cursor < 2 ? [("Link", "</v1/events?after=\(cursor + 1)>; rel=\"next\"")] : []
            return .json("[\(cursor)]", headers: link)
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let seen = Shared<[String]>([])

        try await client.paginate(.get(server.baseURL + "/v1/events")) { response, _ in
            seen.update { $0.append(response.url) }
            return .continue
        }

        #expect(seen.value == ["/v1/events", "/v1/events?after=1", "/v1/events?after=2"].map { server.baseURL + $0 })
    }

    @Test func stopEndsFetching() async throws {
        let server = try Self.listing(pages: 10)
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let seen = Shared(0)

        try await client.paginate(.get(server.baseURL + "/items?per_page=2"), concurrently: false) { _, index in
            seen.update { $0 += 1 }
            return index == 1 ? .stop : .continue
        }

        #expect(seen.value == 2)
        #expect(server.requestCount == 2)
    }

    @Test func stopEndsConcurrentFetching() async throws {
        let server = try Self.listing(pages: 50)
        defer { server.stop() }
        let client = makeClient(maxConcurrentPerHost: 4)
        defer { client.shutdown() }
        let seen = Shared(0)

        try await client.paginate(.get(server.baseURL + "/items?per_page=2"), concurrently: true) { _, index in
            seen.update { $0 += 1 }
            return index == 2 ? .stop : .continue
        }

        #expect(seen.value == 3)
        #expect(server.requestCount <= 3 + 4)
    }

    @Test func loopingPaginationFails() async throws {
        let server = try Self.listing(pages: 5, loopAt: 3)  // page 3's next points back to page 1
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let error = await httpError {
            try await client.paginate(.get(server.baseURL + "/items?per_page=2&page=1"), concurrently: false) { _, _ in
                .continue
            }
        }

        #expect(error?.kind == .paginationLoop)
        #expect(error?.description.contains("pagination loops") == true)
    }

    @Test func tooManyPagesFails() async throws {
        let server = try Self.listing(pages: 5)
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        for concurrently in [false, true] {
            let error = await httpError {
                try await client.paginate(
                    .get(server.baseURL + "/items?per_page=2"), concurrently: concurrently, maxPages: 3
                ) {
                    _, _ in .continue
                }
            }
            #expect(error?.kind == .tooManyPages(limit: 3))
        }
    }

    @Test func failingPageThrowsStatusWithMessage() async throws {
        let server = try LoopbackServer { _ in
            .json(#"{"message":"Bad credentials","documentation_url":"x"}"#, status: 401)
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let error = await httpError {
            try await client.paginate(.get(server.baseURL + "/user/repos"), concurrently: true) { _, _ in .continue }
        }

        #expect(error?.kind == .status(401, message: "Bad credentials"))
        #expect(
            error?.description
                == "GET \(server.baseURL)/user/repos: 401 Unauthorized: Bad credentials; check that the token is set and still valid"
        )
    }
}
