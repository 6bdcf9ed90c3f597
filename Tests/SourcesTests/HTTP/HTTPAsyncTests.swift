import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import TestKit
import Testing

@testable import Sources

/// Runs the `http` stage with a client whose sleeps are recorded, on a clock that moves by them.
func runAsyncHTTP(_ options: JSON, sleeper: SleepRecorder = SleepRecorder()) async throws -> [JSON] {
    let http = makeClient(
        retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)), sleeper: sleeper,
        now: { fixedNow.addingTimeInterval(sleeper.recorded.reduce(0) { $0 + TimeText.toSeconds($1) }) })
    defer { http.shutdown() }
    return try await runSource("http", options, input: nil, http: http)
}

/// A SkyPilot-like request payload: `return_value` and `error` are JSON-encoded strings.
func payload(_ id: String, status: String, returnValue: String = "null", error: String = "null") -> String {
    let value = JSON.string(returnValue).jsonText
    let error = JSON.string(error).jsonText
    return "{\"request_id\":\"\(id)\",\"status\":\"\(status)\",\"return_value\":\(value),\"error\":\(error)}"
}

/// `object` with `key` set to `value`.
func setting(_ key: String, to value: JSON, in object: JSON) -> JSON {
    var fields = object.object ?? JSONObject()
    fields[key] = value
    return .object(fields)
}

@Suite("http source: asynchronous requests")
struct HTTPAsyncTests {
    static func options(_ base: String, _ extra: [(String, JSON)] = []) -> JSON {
        var async = JSONObject([
            ("request_id", ["header": "X-Skypilot-Request-ID"]),
            ("result", ["url": "{base}/api/get?request_id={request_id}"]),
            ("poll_interval", "1s"), ("deadline", "10s"), ("error_path", ["detail.error", "error"]),
            ("decode_json", ["return_value"]),
        ])
        for (key, value) in extra { async[key] = value }
        return [
            "url": .string(base + "/status"), "method": "POST", "body": ["all_users": true],
            "auth": ["type": "bearer", "token": "sky_secret"], "records": "return_value", "async": .object(async),
        ]
    }

    @Test("submit, then poll the result until done_when holds; records read from the decoded result")
    func polls() async throws {
        let seen = Shared<[String]>([])
        let sleeper = SleepRecorder()
        try await withServer({ request in
            seen.update { $0.append("\(request.method) \(request.target) \(request.headers["authorization"] ?? "-")") }
            if request.method == "POST" {
                return .json("null", headers: [("x-skypilot-request-id", "req 1/a")])
            }
            let polls = seen.value.count - 1
            // Every answer carries a fresh id of its own: only the submit's counts.
            let fresh = [("x-skypilot-request-id", "other-\(polls)")]
            if polls < 3 { return .json(payload("req 1/a", status: "RUNNING"), headers: fresh) }
            return .json(
                payload("req 1/a", status: "SUCCEEDED", returnValue: "[{\"name\":\"c1\"},{\"name\":\"c2\"}]"),
                headers: fresh)
        }) { server in
            let records = try await runAsyncHTTP(
                Self.options(server.baseURL, [("done_when", "status == \"SUCCEEDED\"")]), sleeper: sleeper)
            #expect(records == [["name": "c1"], ["name": "c2"]])
        }
        #expect(
            seen.value == ["POST /status Bearer sky_secret"]
                + Array(repeating: "GET /api/get?request_id=req%201%2Fa Bearer sky_secret", count: 3))
        #expect(sleeper.recorded == [.seconds(1), .seconds(1)])
    }

    @Test("long poll: without done_when the first result answer is the result")
    func longPoll() async throws {
        let count = Shared(0)
        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("X-Skypilot-Request-ID", "r1")]) }
            count.update { $0 += 1 }
            var response = LoopbackResponse.json(payload("r1", status: "SUCCEEDED", returnValue: "{\"jobs\":[{\"id\":1}]}"))
            response.delay = .milliseconds(50)
            return response
        }) { server in
            let options = setting("records", to: "return_value.jobs", in: Self.options(server.baseURL))
            let records = try await runAsyncHTTP(options)
            #expect(records == [["id": 1]])
        }
        #expect(count.value == 1)
    }

    @Test("a failed request: the 500's error is read at once (type: message), its pickled object never shown")
    func failure() async throws {
        let count = Shared(0)
        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "dff42d43")]) }
            count.update { $0 += 1 }
            let error =
                "{\"object\":\"gASVawYAAAAAAAB9\",\"type\":\"ClusterNotUpError\",\"message\":\"No in-progress managed jobs.\"}"
            return .json(
                "{\"detail\":" + payload("dff42d43", status: "FAILED", error: error) + "}", status: 500,
                headers: [("x-skypilot-request-id", "d9c1b5b6")])
        }) { server in
            let error = await #expect(throws: HTTPSourceError.self) {
                try await runAsyncHTTP(Self.options(server.baseURL, [("done_when", "status == \"SUCCEEDED\"")]))
            }
            let text = error?.description ?? ""
            #expect(text.contains("request dff42d43 failed: ClusterNotUpError: No in-progress managed jobs."))
            #expect(!text.contains("gASV"))
            #expect(!text.contains("sky_secret"))
        }
        #expect(count.value == 1)
    }

    @Test("no_records_on: an error of a listed type means nothing to list (no records, no error); another type still fails")
    func noRecordsOn() async throws {
        for (type, fails) in [("ClusterNotUpError", false), ("ValueError", true)] {
            try await withServer({ request in
                if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "r5")]) }
                let error = "{\"object\":\"gASVawYA\",\"type\":\"\(type)\",\"message\":\"No in-progress managed jobs.\"}"
                return .json("{\"detail\":" + payload("r5", status: "FAILED", error: error) + "}", status: 500)
            }) { server in
                let options = Self.options(server.baseURL, [("no_records_on", ["ClusterNotUpError"])])
                if fails {
                    let error = await thrownError { _ = try await runAsyncHTTP(options) }
                    #expect(
                        "\(error.map { "\($0)" } ?? "")".contains("request r5 failed: ValueError: No in-progress managed jobs."))
                } else {
                    let records = try await runAsyncHTTP(options)
                    #expect(records.isEmpty)
                }
            }
        }
    }

    @Test("records: the first of several paths that reaches something (a dict of jobs, or an older server's bare list)")
    func recordsAlternatives() async throws {
        let answers = [
            "{\"jobs\":[{\"job_id\":1},{\"job_id\":2}],\"total\":2}", "[{\"job_id\":3}]", "{\"jobs\":[],\"total\":0}", "[]",
        ]
        for (answer, ids) in zip(answers, [[1.0, 2], [3], [], []]) {
            try await withServer({ request in
                if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "r6")]) }
                return .json(payload("r6", status: "SUCCEEDED", returnValue: answer))
            }) { server in
                let options = setting("records", to: ["return_value.jobs", "return_value"], in: Self.options(server.baseURL))
                let records = try await runAsyncHTTP(options)
                #expect(records.compactMap { $0["job_id"]?.number } == ids, "\(answer)")
                #expect(records.count == ids.count, "\(answer): \(records)")
            }
        }
    }

    @Test("an error in a 200 result fails too")
    func failureIn200() async throws {
        try await withServer({ request in
            if request.method == "POST" { return .json("{\"request_id\":\"r9\"}") }
            return .json(
                payload(
                    "r9", status: "FAILED", error: "{\"type\":\"ValueError\",\"message\":\"Limit must be at least 1, got 0\"}"))
        }) { server in
            let error = await #expect(throws: HTTPSourceError.self) {
                try await runAsyncHTTP(
                    Self.options(server.baseURL, [("request_id", ["path": "request_id"]), ("error_path", "error")]))
            }
            #expect(error?.description.contains("request r9 failed: ValueError: Limit must be at least 1, got 0") == true)
        }
    }

    @Test("a request that never finishes fails at the deadline, naming it and the request id")
    func deadline() async throws {
        let count = Shared(0)
        let sleeper = SleepRecorder()
        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "slow-1")]) }
            count.update { $0 += 1 }
            return .json(payload("slow-1", status: "RUNNING"))
        }) { server in
            let error = await #expect(throws: HTTPSourceError.self) {
                try await runAsyncHTTP(
                    Self.options(server.baseURL, [("done_when", "status == \"SUCCEEDED\"")]), sleeper: sleeper)
            }
            let text = error?.description ?? ""
            #expect(text.contains("request slow-1 did not finish within async.deadline (10s)"))
            #expect(text.contains("raise async.deadline"))
        }
        // Asked at 0 s, 1 s, … 9 s: a tenth wait would end at the deadline.
        #expect(count.value == 10)
        #expect(sleeper.recorded.count == 9)
    }

    @Test("a 5xx without an error is asked again after poll_interval; a 404 fails with the API's message")
    func transientAndNotFound() async throws {
        let count = Shared(0)
        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "r2")]) }
            count.update { $0 += 1 }
            if count.value == 1 { return .json("{\"detail\":\"upstream\"}", status: 503) }
            return .json(payload("r2", status: "SUCCEEDED", returnValue: "[{\"id\":2}]"))
        }) { server in
            let records = try await runAsyncHTTP(Self.options(server.baseURL))
            #expect(records == [["id": 2]])
        }
        #expect(count.value == 2)
        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "zzzz")]) }
            return .json("{\"detail\":\"Request 'zzzz' not found\"}", status: 404)
        }) { server in
            let error = await #expect(throws: HTTPError.self) { try await runAsyncHTTP(Self.options(server.baseURL)) }
            #expect(error?.kind == .status(404, message: nil) || error?.description.contains("404") == true)
        }
    }

    @Test("a 429 to the result request is waited out as its Retry-After says, within the deadline")
    func rateLimitedPoll() async throws {
        let count = Shared(0)
        let sleeper = SleepRecorder()
        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "r3")]) }
            count.update { $0 += 1 }
            if count.value == 1 { return .json("{\"detail\":\"slow down\"}", status: 429, headers: [("retry-after", "4")]) }
            return .json(payload("r3", status: "SUCCEEDED", returnValue: "[{\"id\":3}]"))
        }) { server in
            let records = try await runAsyncHTTP(Self.options(server.baseURL), sleeper: sleeper)
            #expect(records == [["id": 3]])
        }
        #expect(count.value == 2)
        #expect(sleeper.recorded == [.seconds(4)], "Retry-After (4s), not poll_interval (1s)")

        try await withServer({ request in
            if request.method == "POST" { return .json("null", headers: [("x-skypilot-request-id", "r4")]) }
            return .json("{\"detail\":\"slow down\"}", status: 429, headers: [("retry-after", "60")])
        }) { server in
            let error = await thrownError { _ = try await runAsyncHTTP(Self.options(server.baseURL)) }
            let text = error.map { "\($0)" } ?? ""
            #expect(
                text.contains("r4") && text.contains("rate-limited (429)") && text.contains("async.deadline (10s)"), "\(text)")
        }
    }

    @Test("a submit answer without the request id fails, naming where it was looked for")
    func noID() async throws {
        try await withServer({ _ in .json("null") }) { server in
            let error = await #expect(throws: HTTPSourceError.self) { try await runAsyncHTTP(Self.options(server.baseURL)) }
            #expect(error?.description.contains("names no request id (header X-Skypilot-Request-ID)") == true)
        }
    }

    @Test("the result URL: {base} and {request_id}, or relative to the submit URL")
    func resultURL() throws {
        let options: JSON = [
            "request_id": ["path": "id"], "result": ["url": "/v1/requests/{request_id}", "method": "get"],
        ]
        let async = try OptionsDecoder.decode(HTTPAsync.self, from: options)
        #expect(async.resultURL(id: "a b", submitURL: "https://h:8443/api/submit?x=1") == "https://h:8443/v1/requests/a%20b")
        #expect(async.resultMethod == "GET")
        #expect(HTTPAsync.base(of: "http://127.0.0.1:46580/status") == "http://127.0.0.1:46580")
    }

    @Test("option faults")
    func optionFaults() {
        let url: JSON = "https://api.example.com/submit"
        let good: JSON = ["request_id": ["header": "X-ID"], "result": ["url": "{base}/get?id={request_id}"]]
        #expect(
            optionsFailure("http", ["url": url, "async": good, "pagination": ["type": "link"]])?.path == [
                "stages", "under_test", "async",
            ])
        var bad: JSON
        bad = setting("request_id", to: ["header": "X", "path": "id"], in: good)
        #expect(optionsFailure("http", ["url": url, "async": bad])?.path == ["stages", "under_test", "async", "request_id"])
        bad = setting("result", to: ["url": "{base}/get"], in: good)
        #expect(
            optionsFailure("http", ["url": url, "async": bad])?.path == ["stages", "under_test", "async", "result", "url"])
        bad = setting("done_when", to: "status ==", in: good)
        #expect(optionsFailure("http", ["url": url, "async": bad])?.path == ["stages", "under_test", "async", "done_when"])
        bad = setting("error_path", to: "detail..error", in: good)
        #expect(optionsFailure("http", ["url": url, "async": bad])?.path == ["stages", "under_test", "async", "error_path"])
        bad = setting("poll", to: "1s", in: good)
        let unknown = optionsFailure("http", ["url": url, "async": bad])
        #expect(unknown?.message.hasPrefix("unknown option \"poll\"") == true)
        #expect(unknown?.path == ["stages", "under_test", "async", "poll"])
        bad = setting("deadline", to: "soon", in: good)
        #expect(optionsFailure("http", ["url": url, "async": bad])?.path.last == "deadline")
    }
}
