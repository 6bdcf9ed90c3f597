import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import TestKit
import Testing

@testable import Sources

/// Runs `body` with a loopback server answering through `handler`, stopped afterwards.
func withServer<T>(
    _ handler: @escaping @Sendable (HTTPRequestHead) -> LoopbackResponse, _ body: (LoopbackServer) async throws -> T
) async throws -> T {
    let server = try LoopbackServer(handler: handler)
    defer { server.stop() }
    return try await body(server)
}

/// Runs the `http` stage built from `options` with a fresh quick-retry client.
func runHTTP(_ options: JSON, input: JSON? = nil) async throws -> [JSON] {
    let http = makeTestClient()
    defer { http.shutdown() }
    return try await runSource("http", options, input: input, http: http)
}

/// `[{"id": from}, …, {"id": to}]` as JSON text.
func items(_ ids: some Sequence<Int>) -> String { "[" + ids.map { "{\"id\":\($0)}" }.joined(separator: ",") + "]" }

@Suite("http source: pagination")
struct HTTPPaginationTests {
    @Test("link: follows rel=\"next\" until a page has none")
    func link() async throws {
        let base = Shared("")
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            let next = page < 3 ? [("link", "<\(base.value)/items?page=\(page + 1)>; rel=\"next\"")] : []
            return .json(items([page * 10, page * 10 + 1]), headers: next)
        }) { server in
            base.update { $0 = server.baseURL }
            let records = try await runHTTP(["url": .string(server.baseURL + "/items"), "pagination": ["type": "link"]])
            #expect(records.compactMap { $0["id"]?.number } == [10, 11, 20, 21, 30, 31])
            #expect(server.requestCount == 3)
        }
    }

    @Test("page: numbers pages from start with a size, stops at a short page")
    func page() async throws {
        let asked = Shared<[String]>([])
        try await withServer({ request in
            asked.update { $0.append(request.rawQuery) }
            let page = Int(request.query["p"] ?? "") ?? 0
            let size = Int(request.query["per_page"] ?? "") ?? 0
            let all = Array(1...5)
            let slice = all.dropFirst((page - 1) * size).prefix(size)
            return .json(items(slice))
        }) { server in
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/items?state=open"),
                "pagination": ["type": "page", "param": "p", "start": 1, "size_param": "per_page", "size": 2],
            ])
            #expect(records.compactMap { $0["id"]?.number } == [1, 2, 3, 4, 5])
            #expect(asked.value == ["state=open&p=1&per_page=2", "state=open&p=2&per_page=2", "state=open&p=3&per_page=2"])
        }
    }

    @Test("page without a size: stops at an empty page")
    func pageWithoutSize() async throws {
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "") ?? 0
            return .json(page <= 2 ? items([page]) : "[]")
        }) { server in
            let records = try await runHTTP(["url": .string(server.baseURL + "/items"), "pagination": ["type": "page"]])
            #expect(records.compactMap { $0["id"]?.number } == [1, 2])
            #expect(server.requestCount == 3)
        }
    }

    @Test("offset: advances by each page's count, stops at a short page")
    func offset() async throws {
        let offsets = Shared<[Int]>([])
        try await withServer({ request in
            let offset = Int(request.query["offset"] ?? "") ?? -1
            let limit = Int(request.query["limit"] ?? "") ?? 0
            offsets.update { $0.append(offset) }
            return .json("{\"results\":\(items(Array(0..<5).dropFirst(offset).prefix(limit)))}")
        }) { server in
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/things"), "records": "results",
                "pagination": ["type": "offset", "param": "offset", "size_param": "limit", "size": 2],
            ])
            #expect(records.compactMap { $0["id"]?.number } == [0, 1, 2, 3, 4])
            #expect(offsets.value == [0, 2, 4])
        }
    }

    @Test("cursor in the query: read from the answer, stops when it is null")
    func cursorInQuery() async throws {
        try await withServer({ request in
            switch request.query["offset"] {
            case nil: .json("{\"data\":\(items([1])),\"next_page\":{\"offset\":\"c2\"}}")
            case "c2": .json("{\"data\":\(items([2])),\"next_page\":{\"offset\":\"c3\"}}")
            case "c3": .json("{\"data\":\(items([3])),\"next_page\":null}")
            default: .json("{\"message\":\"bad cursor\"}", status: 400)
            }
        }) { server in
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/tasks"), "records": "data",
                "pagination": ["type": "cursor", "path": "next_page.offset", "param": "offset"],
            ])
            #expect(records.compactMap { $0["id"]?.number } == [1, 2, 3])
        }
    }

    @Test("cursor in GraphQL variables: POSTed with has_more, records mapped over edges, JSON strings decoded")
    func cursorInGraphQLBody() async throws {
        let bodies = Shared<[JSON]>([])
        try await withServer({ request in
            guard request.method == "POST", request.headers["content-type"] == "application/json",
                let body = try? JSONParser.parse(request.body)
            else { return .json("{\"errors\":[{\"message\":\"expected a JSON POST\"}]}", status: 400) }
            bodies.update { $0.append(body) }
            let after = body["variables"]?["after"]?.string
            let (ids, hasNext) = after == nil ? ([1, 2], true) : ([3], false)
            let edges = ids.map { "{\"node\":{\"name\":\"run\($0)\",\"summaryMetrics\":\"{\\\"loss\\\":0.\($0)}\"}}" }
            return .json(
                "{\"data\":{\"project\":{\"runs\":{\"edges\":[\(edges.joined(separator: ","))],"
                    + "\"pageInfo\":{\"hasNextPage\":\(hasNext),\"endCursor\":\"cur\(ids.last!)\"}}}}}")
        }) { server in
            let query =
                "query Runs($project: String!, $first: Int, $after: String) { project(name: $project) { runs(first: $first, after: $after) { edges { node { name summaryMetrics } } pageInfo { hasNextPage endCursor } } } }"
            let records = try await runHTTP(
                [
                    "url": .string(server.baseURL + "/graphql"), "method": "POST",
                    "body": ["query": .string(query), "variables": ["project": "{name}", "first": "{size}"]],
                    "records": "data.project.runs.edges.node", "decode_json": ["summaryMetrics"],
                    "errors_path": "errors",
                    "pagination": [
                        "type": "cursor", "path": "data.project.runs.pageInfo.endCursor", "variable": "after",
                        "has_more": "data.project.runs.pageInfo.hasNextPage",
                    ],
                ], input: ["name": "mnist", "size": 2])
            #expect(records.compactMap { $0["name"]?.string } == ["run1", "run2", "run3"])
            #expect(records.first?["summaryMetrics"]?["loss"]?.number == 0.1, "decoded in place")
            #expect(bodies.value.count == 2)
            #expect(bodies.value.first?["query"]?.string == query, "a GraphQL query's braces are not fields")
            #expect(bodies.value.first?["variables"]?["project"] == "mnist")
            #expect(bodies.value.first?["variables"]?["first"] == 2, "a lone field keeps its JSON type")
            #expect(bodies.value.first?["variables"]?["after"] == nil)
            #expect(bodies.value.last?["variables"]?["after"] == "cur2")
        }
    }

    @Test("next_url: the next page's full URL from the answer")
    func nextURL() async throws {
        let base = Shared("")
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            let next = page < 2 ? "\"\(base.value)/tasks?page=\(page + 1)\"" : "null"
            return .json("{\"data\":\(items([page])),\"next_page\":{\"uri\":\(next)}}")
        }) { server in
            base.update { $0 = server.baseURL }
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/tasks"), "records": "data",
                "pagination": ["type": "next_url", "path": "next_page.uri"],
            ])
            #expect(records.compactMap { $0["id"]?.number } == [1, 2])
        }
    }

    @Test("a server that never stops fails at max_pages, naming it")
    func maxPages() async throws {
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "") ?? 0
            return .json(items([page]))
        }) { server in
            let error = await thrownError {
                _ = try await runHTTP([
                    "url": .string(server.baseURL + "/items"), "max_pages": 3, "pagination": ["type": "page"],
                ])
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("max_pages (3)"))
            #expect(server.requestCount == 3)
        }
    }

    @Test("stop_when_older: older records dropped, no page after the first holding one")
    func stopWhenOlder() async throws {
        let day = 86_400.0
        let stamp: @Sendable (Double) -> String = { days in Timestamp.format(TestClock.now - days * day) }
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "") ?? 0
            let ages: [Double] =
                switch page {
                case 1: [0.5, 1]
                case 2: [6, 8, 9]
                default: [10]
                }
            let records = ages.map { "{\"age\":\($0),\"createdAt\":\"\(stamp($0))\"}" }
            return .json("[\(records.joined(separator: ","))]")
        }) { server in
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/runs"), "pagination": ["type": "page"],
                "stop_when_older": ["field": "createdAt", "than": "7d"],
            ])
            #expect(records.compactMap { $0["age"]?.number } == [0.5, 1, 6])
            #expect(server.requestCount == 2)
        }
    }
}
