import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import Storage
import TestKit
import Testing

@testable import Sources

@Suite("http source")
struct HTTPSourceTests {
    @Test(
        "records: a path (mapping over arrays), or the whole answer",
        arguments: [
            ("[{\"id\":1},{\"id\":2}]", nil, [1.0, 2]),
            ("{\"id\":7}", nil, [7]),
            ("{\"data\":[{\"id\":1},{\"id\":2}]}", "data", [1, 2]),
            ("{\"data\":{\"id\":3}}", "data", [3]),
            ("{\"data\":{\"edges\":[{\"node\":{\"id\":4}},{\"node\":{\"id\":5}}]}}", "data.edges.node", [4, 5]),
            ("{\"data\":[{\"items\":[{\"id\":1}]},{\"items\":[{\"id\":2},{\"id\":3}]}]}", "data.items", [1, 2, 3]),
            ("{\"data\":null}", "data", []),
        ] as [(String, String?, [Double])])
    func records(answer: String, path: String?, ids: [Double]) async throws {
        try await withServer({ _ in .json(answer) }) { server in
            var options: JSON = ["url": .string(server.baseURL + "/x")]
            if let path, case .object(var object) = options {
                object["records"] = .string(path)
                options = .object(object)
            }
            let records = try await runHTTP(options)
            #expect(records.compactMap { $0["id"]?.number } == ids)
        }
    }

    @Test("url, query and headers: templates over the input record")
    func templates() async throws {
        let seen = Shared<[String]>([])
        try await withServer({ request in
            seen.update { $0.append("\(request.target) \(request.headers["x-team"] ?? "-") \(request.headers["accept"] ?? "-")") }
            return .json("[]")
        }) { server in
            _ = try await runHTTP(
                [
                    "url": .string(server.baseURL + "/projects/{project.id}/runs"),
                    "query": ["owner": "{owner}", "fixed": "a b"],
                    "headers": ["X-Team": "ml", "Accept": "application/vnd.api+json"],
                ], input: ["project": ["id": 42], "owner": "ana"])
            #expect(seen.value == ["/projects/42/runs?fixed=a%20b&owner=ana ml application/vnd.api+json"])
        }
    }

    @Test("a field inside the URL is percent-encoded (its / kept); one that starts the URL is the base, as it is")
    func urlFieldsEncoded() async throws {
        let seen = Shared<[String]>([])
        try await withServer({ request in
            seen.update { $0.append(request.target) }
            return .json("[]")
        }) { server in
            _ = try await runHTTP(
                ["url": "{base}/projects/{gid}/tasks", "query": ["q": "{gid}"]],
                input: ["base": .string(server.baseURL + "/api/1.0"), "gid": "a b?c#d/e%"])
            #expect(seen.value == ["/api/1.0/projects/a%20b%3Fc%23d/e%25/tasks?q=a%20b%3Fc%23d%2Fe%25"])
        }
    }

    @Test("only the fields later stages read are kept, and what the stage itself reads")
    func projection() async throws {
        try await withServer({ request in
            let last = request.query["cursor"] == "c2"
            let record = "{\"id\":\(last ? 2 : 1),\"big\":\"x\",\"meta\":\"{\\\"a\\\":1}\"}"
            let cursor = last ? "null" : "\"c2\""
            return .json("{\"data\":{\"items\":[\(record)]},\"next\":\(cursor),\"errors\":[]}")
        }) { server in
            let http = makeTestClient()
            defer { http.shutdown() }
            let records = try await runSource(
                "http",
                [
                    "url": .string(server.baseURL + "/x"), "records": "data.items", "decode_json": ["meta"],
                    "errors_path": "errors", "pagination": ["type": "cursor", "path": "next", "param": "cursor"],
                ], input: nil, http: http, fields: FieldSelection([FieldPath("id")!]))
            #expect(records == [["id": 1, "meta": ["a": 1]], ["id": 2, "meta": ["a": 1]]])
        }
    }

    @Test("GETs revalidate against the response cache; every request, POSTs too, is counted")
    func cacheAndUsage() async throws {
        try await withTemporaryDirectory { dir in
            try await withServer({ request in
                if request.method == "POST" { return .json(items([9])) }
                if request.headers["if-none-match"] == "\"v1\"" {
                    return LoopbackResponse(status: 304, headers: [("etag", "\"v1\"")])
                }
                return .json(items([1, 2]), headers: [("etag", "\"v1\"")])
            }) { server in
                let http = makeTestClient()
                defer { http.shutdown() }
                let cache = try ResponseCache(path: dir + "/state.sqlite")
                let usage = APIUsage()
                var context = makeContext(http: http)
                context.services[ResponseCache.self] = cache
                context.services[APIUsage.self] = usage
                let run = { (options: JSON) in
                    let collector = ItemCollector()
                    try await makeSource("http", options).run(
                        input: nil, output: Output(collectingInto: collector), context: context)
                    return collector.records.compactMap { $0["id"]?.number }
                }
                let get: JSON = ["url": .string(server.baseURL + "/x")]
                #expect(try await run(get) == [1, 2])
                #expect(try await run(get) == [1, 2], "the 304 answered from the cache")
                #expect(try await run(["url": .string(server.baseURL + "/x"), "method": "POST", "body": ["q": 1]]) == [9])
                #expect(usage.counts.requests == 2, "the first GET and the POST")
                #expect(usage.counts.cacheHits == 1, "the 304")
                #expect(server.requestCount == 3)
            }
        }
    }

    @Test("fieldsRead names every field the templates read")
    func fieldsRead() throws {
        let kind = try #require(SourceStages.all.first { $0.type == "http" })
        let built = try kind.make(
            options: [
                "url": "https://h/{a}", "query": ["q": "{b.c}"], "method": "POST",
                "body": ["query": "{ x { y } }", "variables": ["v": "{d}"]],
            ], path: ["stages", "x"])
        guard case .fields(let fields) = built.fieldsRead else {
            Issue.record("expected fields, got \(built.fieldsRead)")
            return
        }
        #expect(Set(fields.map(\.description)) == ["a", "b.c", "d"])
    }

    @Test("errors_path: a 200 answer with GraphQL errors fails with the API's message")
    func graphQLErrors() async throws {
        try await withServer({ _ in .json("{\"data\":null,\"errors\":[{\"message\":\"project not found\"}]}") }) {
            server in
            let error = await thrownError {
                _ = try await runHTTP([
                    "url": .string(server.baseURL + "/graphql"), "method": "POST", "body": ["query": "{ viewer { id } }"],
                    "errors_path": "errors", "records": "data.project",
                ])
            }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("POST \(server.baseURL)/graphql"))
            #expect(text.contains("project not found"))
            #expect(!text.contains("\n"))
        }
    }

    @Test("require: an answer without a required path (GraphQL's null for an unknown object) fails with the stated message")
    func require() async throws {
        let answers = [
            "ml/vision":
                "{\"data\":{\"project\":{\"runs\":{\"edges\":[{\"node\":{\"id\":1,\"big\":\"x\"}}]}}},\"meta\":{\"ok\":true}}",
            "ml/gone": "{\"data\":{\"project\":null},\"meta\":{\"ok\":true}}",
            "ml/odd": "{\"data\":{\"project\":{\"runs\":{\"edges\":[]}}}}",
        ]
        try await withServer({ request in
            let body = String(decoding: request.body, as: UTF8.self)
            return .json(answers.first { body.contains($0.key) }?.value ?? "{}")
        }) { server in
            let http = makeTestClient()
            defer { http.shutdown() }
            let options: JSON = [
                "url": .string(server.baseURL + "/graphql"), "method": "POST", "body": ["variables": ["project": "{path}"]],
                "records": "data.project.runs.edges.node",
                "require": ["data.project": "no project {path} (or the key cannot read it)", "meta.ok": "no meta for {path}"],
            ]
            // Only `id` is read downstream: the required paths are still seen.
            let fields = FieldSelection([FieldPath("id")!])
            let records = try await runSource("http", options, input: ["path": "ml/vision"], http: http, fields: fields)
            #expect(records == [["id": 1]])
            let gone = await thrownError {
                _ = try await runSource("http", options, input: ["path": "ml/gone"], http: http, fields: fields)
            }
            #expect(
                "\(gone.map { "\($0)" } ?? "")".contains(
                    "no project ml/gone (or the key cannot read it) (the answer has no data.project)"),
                "\(String(describing: gone))")
            let odd = await thrownError {
                _ = try await runSource("http", options, input: ["path": "ml/odd"], http: http, fields: fields)
            }
            #expect(
                "\(odd.map { "\($0)" } ?? "")".contains("no meta for ml/odd (the answer has no meta.ok)"),
                "\(String(describing: odd))")
        }
    }

    @Test("without errors_path, an empty errors list is no failure")
    func emptyErrors() async throws {
        try await withServer({ _ in .json("{\"data\":[{\"id\":1}],\"errors\":[]}") }) { server in
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/x"), "records": "data", "errors_path": "errors",
            ])
            #expect(records.count == 1)
        }
    }

    @Test("a 404 with a GraphQL-style body fails with its message")
    func notFound() async throws {
        try await withServer({ _ in .json("{\"errors\":[{\"message\":\"no such project\"}]}", status: 404) }) { server in
            let error = await httpError { _ = try await runHTTP(["url": .string(server.baseURL + "/p?token=secret")]) }
            #expect(error?.kind == .status(404, message: "no such project"))
            #expect(error.map { !"\($0)".contains("secret") } == true, "the URL is redacted")
        }
    }

    @Test("a 429 with Retry-After is waited out and retried")
    func retryAfter() async throws {
        let calls = Shared(0)
        try await withServer({ _ in
            calls.increment() == 1
                ? .json("{\"message\":\"slow down\"}", status: 429, headers: [("retry-after", "3")]) : .json(items([1]))
        }) { server in
            let sleeper = SleepRecorder()
            let http = makeClient(sleeper: sleeper)
            defer { http.shutdown() }
            let records = try await runSource("http", ["url": .string(server.baseURL + "/x")], input: nil, http: http)
            #expect(records.count == 1)
            #expect(sleeper.recorded.contains(.seconds(3)))
            #expect(calls.value == 2)
        }
    }

    @Test("rate_limits: set on the stage's client (a secondary-limit 403 is waited out; remaining is reported)")
    func rateLimits() async throws {
        let calls = Shared(0)
        try await withServer({ _ in
            calls.increment() == 1
                ? .json("{\"message\":\"You hit the Slow-Down limit\"}", status: 403)
                : .json(items([1]), headers: [("ratelimit-remaining", "99"), ("ratelimit-limit", "100")])
        }) { server in
            let sleeper = SleepRecorder()
            let http = makeClient(sleeper: sleeper)
            defer { http.shutdown() }
            let usage = APIUsage()
            var context = makeContext(http: http)
            context.services[APIUsage.self] = usage
            let collector = ItemCollector()
            let options: JSON = [
                "url": .string(server.baseURL + "/x"), "auth": ["type": "header", "name": "X-Key", "value": "k"],
                "rate_limits": [
                    "limit_header": "ratelimit-limit", "remaining_header": "ratelimit-remaining",
                    "reset_header": "ratelimit-reset", "reset_format": "delta", "secondary_phrases": ["slow-down limit"],
                ],
            ]
            try await makeSource("http", options).run(input: nil, output: Output(collectingInto: collector), context: context)
            #expect(collector.records.count == 1)
            #expect(sleeper.recorded.contains { $0 >= .seconds(60) }, "waited out as a secondary limit: \(sleeper.recorded)")
            #expect(usage.counts.rateLimitRemaining == 99)
        }
    }

    @Test("without rate_limits, a 403 is a permission failure")
    func forbidden() async throws {
        try await withServer({ _ in .json("{\"message\":\"You hit the Slow-Down limit\"}", status: 403) }) { server in
            let error = await httpError { _ = try await runHTTP(["url": .string(server.baseURL + "/x")]) }
            #expect(error?.kind == .status(403, message: "You hit the Slow-Down limit"))
        }
    }

    @Test("an answer that is not JSON fails, naming the URL")
    func notJSON() async throws {
        try await withServer({ _ in LoopbackResponse(status: 200, body: Array("<html>".utf8)) }) { server in
            let error = await thrownError { _ = try await runHTTP(["url": .string(server.baseURL + "/x")]) }
            #expect((error.map { "\($0)" } ?? "").contains("GET \(server.baseURL)/x: the answer is not JSON"))
        }
    }

    @Test(
        "option faults are reported at their path",
        arguments: [
            (["url": "https://h", "pagination": ["type": "pages"]], ["pagination", "type"], "unknown pagination type"),
            (["url": "https://h", "auth": ["type": "oauth"]], ["auth", "type"], "unknown auth type"),
            (["url": "https://h", "auth": ["type": "basic", "user": "api"]], ["auth", "password"], "missing"),
            (["url": "https://h", "auth": ["type": "bearer", "token": "t", "tokn": "u"]], ["auth", "tokn"], "unknown option"),
            (["url": "https://h", "method": "FETCH"], ["method"], "unknown method"),
            (["url": "https://h", "max_pages": 0], ["max_pages"], "at least 1"),
            (["url": "https://h", "pagination": ["type": "cursor", "path": "next"]], ["pagination"], "set one"),
            (["url": "https://h", "pagination": ["type": "page", "size": 0]], ["pagination", "size"], "at least 1"),
            (["url": "https://h", "records": "data..x"], ["records"], "not a path"),
            (
                ["url": "https://h", "rate_limits": ["reset_format": "iso"]], ["rate_limits", "reset_format"],
                "unknown reset format"
            ),
            (
                ["url": "https://h", "pagination": ["type": "cursor", "path": "c", "variable": "after"]],
                ["pagination", "variable"], "JSON object body"
            ),
        ] as [(JSON, [String], String)])
    func optionFaults(options: JSON, path: [String], message: String) {
        let failure = optionsFailure("http", options)
        #expect(failure?.path == ["stages", "under_test"] + path, "\(String(describing: failure))")
        #expect(failure?.message.contains(message) == true, "\(String(describing: failure))")
    }
}

@Suite("http source: add_fields")
struct HTTPAddFieldsTests {
    @Test("add_fields copies the input record's fields into every record of every page")
    func addFields() async throws {
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            return .json(page == 1 ? items([1, 2]) : page == 2 ? items([3]) : "[]")
        }) { server in
            let records = try await runHTTP(
                [
                    "url": .string(server.baseURL + "/projects/{gid}/tasks"),
                    "pagination": ["type": "page", "size_param": "limit", "size": 2],
                    "add_fields": ["project": "{name}", "project_gid": "{gid}", "label": "p-{gid}"],
                ], input: ["gid": "42", "name": "web"])
            #expect(records.map { $0["id"]?.number } == [1, 2, 3])
            #expect(records.allSatisfy { $0["project"] == "web" && $0["project_gid"] == "42" && $0["label"] == "p-42" })
        }
    }

    @Test("an add_fields template naming a field the input record lacks fails the stage")
    func missingField() async throws {
        try await withServer({ _ in .json(items([1])) }) { server in
            let error = await thrownError {
                _ = try await runHTTP(
                    ["url": .string(server.baseURL + "/x"), "add_fields": ["project": "{name}"]], input: ["gid": "42"])
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("name"))
        }
    }
}
