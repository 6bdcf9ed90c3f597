import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline
@testable import Sources
@testable import Storage

@Suite("ConditionalFetcher")
struct ConditionalFetcherTests {
    /// A 3-page listing at /items?page=N with ETags; a matching `If-None-Match` gets a bare 304
    /// (no Link). /commits/{sha} answers once, then fails: it must never be asked twice.
    final class Server: Sendable {
        let server: LoopbackServer
        let log = Shared<[(target: String, status: Int, conditional: Bool)]>([])
        let version = Shared(1)

        init() throws {
            let base = Shared("")
            let log = self.log
            let version = self.version
            server = try LoopbackServer { request in
                var response: LoopbackResponse
                if request.path.hasPrefix("/commits/") {
                    let asked = log.value.contains { $0.target == request.target }
                    response = asked ? .json("{}", status: 500) : .json("{\"sha\":1}", headers: [("etag", "\"c\"")])
                } else {
                    let page = Int(request.query["page"] ?? "1") ?? 1
                    let etag = "W/\"\(page)-\(version.value)\""
                    if request.headers["if-none-match"] == etag {
                        response = LoopbackResponse(status: 304, headers: [("etag", etag), ("x-ratelimit-remaining", "4000")])
                    } else {
                        var links = ["<\(base.value)/items?page=3>; rel=\"last\""]
                        if page < 3 { links.append("<\(base.value)/items?page=\(page + 1)>; rel=\"next\"") }
                        response = .json(
                            "[\(page * 10 + version.value)]",
                            headers: [("etag", etag), ("link", links.joined(separator: ", ")), ("x-ratelimit-remaining", "4999")])
                    }
                }
                let status = response.status
                log.update { $0.append((request.target, status, request.headers["if-none-match"] != nil)) }
                return response
            }
            base.update { $0 = server.baseURL }
        }

        var statuses: [Int] { log.value.map(\.status) }
    }

    static func pages(_ client: HTTPClient, _ fetcher: ConditionalFetcher, _ url: String, concurrently: Bool) async throws
        -> [String]
    {
        let seen = Shared<[String]>([])
        try await client.paginate(.get(url), concurrently: concurrently, fetch: fetcher.send) { response, _ in
            seen.update { $0.append(response.text) }
            return .continue
        }
        return seen.value
    }

    @Test(
        "a warm listing revalidates every page: 304s give the stored bodies and Links; a change is fetched and stored",
        arguments: [false, true])
    func revalidatesPages(concurrently: Bool) async throws {
        try await withTemporaryDirectory { dir in
            let server = try Server()
            defer { server.server.stop() }
            let client = makeClient(rateLimits: .githubLike)
            defer { client.shutdown() }
            let cache = try ResponseCache(path: dir + "/state.sqlite")
            let url = server.server.baseURL + "/items?page=1"

            let cold = APIUsage()
            let first = try await Self.pages(
                client, ConditionalFetcher(http: client, cache: cache, usage: cold), url, concurrently: concurrently)
            #expect(first == ["[11]", "[21]", "[31]"])
            #expect(cold.counts == APIUsage.Counts(requests: 3, cacheHits: 0, rateLimitRemaining: 4999))

            let warm = APIUsage()
            let second = try await Self.pages(
                client, ConditionalFetcher(http: client, cache: cache, usage: warm), url, concurrently: concurrently)
            #expect(second == first)
            #expect(server.statuses.suffix(3) == [304, 304, 304])
            #expect(warm.counts == APIUsage.Counts(requests: 0, cacheHits: 3, rateLimitRemaining: 4000))

            server.version.update { $0 = 2 }
            let changed = try await Self.pages(
                client, ConditionalFetcher(http: client, cache: cache, usage: APIUsage()), url, concurrently: concurrently)
            #expect(changed == ["[12]", "[22]", "[32]"])
            let again = try await Self.pages(
                client, ConditionalFetcher(http: client, cache: cache, usage: APIUsage()), url, concurrently: concurrently)
            #expect(again == changed)
            #expect(server.statuses.suffix(3) == [304, 304, 304])
        }
    }

    /// A server whose every answer has the ETag "v1" (`body` gives the JSON), and that answers
    /// 304 to a request revalidating it, counting those in `conditional`.
    static func versionOneServer(
        counting conditional: Shared<Int>, body: @escaping @Sendable (HTTPRequestHead) -> String
    ) throws -> LoopbackServer {
        try LoopbackServer { request in
            if request.headers["if-none-match"] == "\"v1\"" {
                conditional.update { $0 += 1 }
                return LoopbackResponse(status: 304, headers: [("etag", "\"v1\"")])
            }
            return .json(body(request), headers: [("etag", "\"v1\"")])
        }
    }

    @Test("a credential in any header keys the cache: another API key never gets the first key's stored answer")
    func credentialHeadersKeyTheCache() async throws {
        try await withTemporaryDirectory { dir in
            // The same ETag for every key: only the cache key keeps the answers apart.
            let conditional = Shared(0)
            let server = try Self.versionOneServer(counting: conditional) { request in
                "{\"key\":\"\(request.headers["x-api-key"] ?? "-")\"}"
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }
            let fetcher = ConditionalFetcher(http: client, cache: try ResponseCache(path: dir + "/state.sqlite"), usage: nil)
            func me(_ key: String) async throws -> String {
                let request = HTTPRequest(method: "GET", url: server.baseURL + "/me", headers: [("X-API-Key", key)])
                return String(decoding: try await fetcher.send(request).body, as: UTF8.self)
            }
            #expect(try await me("alpha") == "{\"key\":\"alpha\"}")
            #expect(try await me("beta") == "{\"key\":\"beta\"}")
            #expect(conditional.value == 0, "beta had no entry of its own to revalidate")
            #expect(try await me("alpha") == "{\"key\":\"alpha\"}")
            #expect(conditional.value == 1, "alpha's entry revalidated")
        }
    }

    @Test("an answer stored as reduced to one selection is never given to a request that keeps other fields")
    func selectionKeysTheCache() async throws {
        try await withTemporaryDirectory { dir in
            let conditional = Shared(0)
            let server = try Self.versionOneServer(counting: conditional) { _ in #"{"id": 7, "name": "seven", "size": 70}"# }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }
            let fetcher = ConditionalFetcher(http: client, cache: try ResponseCache(path: dir + "/state.sqlite"), usage: nil)
            func get(keeping keys: [String]) async throws -> String {
                let selection = FieldSelection.keys(Dictionary(uniqueKeysWithValues: keys.map { ($0, FieldSelection.all) }))
                return try await fetcher.send(HTTPRequest(url: server.baseURL + "/item", keeping: selection)).text
            }
            #expect(try await get(keeping: ["id"]) == #"{"id":7}"#)
            #expect(try await get(keeping: ["name"]) == #"{"name":"seven"}"#)
            #expect(conditional.value == 0, "the second selection had no entry of its own to revalidate")
            #expect(try await get(keeping: ["id"]) == #"{"id":7}"#)
            #expect(conditional.value == 1, "the first selection's entry revalidated, its reduced body reused")
        }
    }

    @Test("without a cache every request is unconditional, and still counted")
    func cold() async throws {
        let server = try Server()
        defer { server.server.stop() }
        let client = makeClient(rateLimits: .githubLike)
        defer { client.shutdown() }
        let usage = APIUsage()
        let fetcher = ConditionalFetcher(http: client, cache: nil, usage: usage)
        let url = server.server.baseURL + "/items?page=1"
        _ = try await Self.pages(client, fetcher, url, concurrently: false)
        _ = try await Self.pages(client, fetcher, url, concurrently: false)
        #expect(server.statuses == [200, 200, 200, 200, 200, 200])
        #expect(!server.log.value.contains { $0.conditional })
        #expect(usage.counts.requests == 6)
    }

    @Test("an immutable URL is answered from the cache without asking")
    func immutable() async throws {
        try await withTemporaryDirectory { dir in
            let server = try Server()
            defer { server.server.stop() }
            let client = makeClient(rateLimits: .githubLike)
            defer { client.shutdown() }
            let cache = try ResponseCache(path: dir + "/state.sqlite")
            let usage = APIUsage()
            let fetcher = ConditionalFetcher(http: client, cache: cache, usage: usage) { $0.contains("/commits/") }
            let url = server.server.baseURL + "/commits/abc"
            let first = try await fetcher.send(.get(url))
            let second = try await fetcher.send(.get(url))
            #expect(first.text == "{\"sha\":1}")
            #expect(second.status == 200 && second.text == first.text)
            #expect(server.log.value.count == 1)
            #expect(usage.counts == APIUsage.Counts(requests: 1, cacheHits: 1, rateLimitRemaining: nil))
        }
    }

    @Test("an answer that ends a request with an error (an exhausted rate limit) is still counted, with its remaining budget")
    func exhaustedRateLimitIsCounted() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 3600
        let server = try LoopbackServer { _ in
            .json(
                #"{"message":"API rate limit exceeded"}"#, status: 403,
                headers: [("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let client = makeClient(rateLimits: .githubLike)
        defer { client.shutdown() }
        let usage = APIUsage()
        let fetcher = ConditionalFetcher(http: client, cache: nil, usage: usage)

        let error = await httpError { _ = try await fetcher.send(.get(server.baseURL + "/repos/o/r")) }

        guard case .rateLimited? = error?.kind else {
            Issue.record("expected rateLimited, got \(String(describing: error))")
            return
        }
        #expect(usage.counts == APIUsage.Counts(requests: 1, cacheHits: 0, rateLimitRemaining: 0))
    }
}
