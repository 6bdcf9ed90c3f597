import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Testing

/// The fake intake is only as useful as it is strict: these pin down what it refuses.
@Suite("Fake Datadog intake")
struct FakeDatadogTests {
    let http = HTTPClient(configuration: .init(retry: .none, logger: Logger(label: "http", level: .error)))

    func post(
        _ fake: FakeDatadog, _ json: String, key: String? = FakeDatadog.defaultAPIKey, encoding: String? = "gzip",
        contentType: String = "application/json"
    ) async throws -> (status: Int, errors: String) {
        var headers = [("Content-Type", contentType)]
        if let key { headers.append(("DD-API-KEY", key)) }
        var body = Array(json.utf8)
        switch encoding {
        case "gzip": body = try DatadogCompression.gzip.compress(body)
        case "deflate": body = try DatadogCompression.deflate.compress(body)
        default: break
        }
        if let encoding { headers.append(("Content-Encoding", encoding)) }
        do {
            let response = try await http.send(
                HTTPRequest(method: "POST", url: fake.baseURL + "/api/v2/series", headers: headers, body: body))
            return (response.status, response.text)
        } catch let error as HTTPError {
            // The client gives no response for the statuses it retries (5xx, 429): the status is in the error.
            if case .status(let status, _) = error.kind { return (status, "") }
            if case .rateLimited = error.kind { return (429, "") }
            throw error
        }
    }

    static let valid =
        #"{"series":[{"metric":"a.b","type":3,"points":[{"timestamp":1795435200,"value":1.5}],"tags":["x:1"]}]}"#

    @Test("a valid body is accepted (gzip, deflate, identity) and its points recorded")
    func accepts() async throws {
        let fake = try FakeDatadog()
        for encoding in ["gzip", "deflate", nil] {
            let answer = try await post(fake, Self.valid, encoding: encoding)
            #expect(answer.status == 202)
            #expect(answer.errors == #"{"errors":[]}"#)
        }
        #expect(fake.series == [FakeDatadog.PointKey(metric: "a.b", tags: ["x:1"], timestamp: 1_795_435_200): 3])
        #expect(fake.receivedPoints.first?.value == 1.5)
        #expect(fake.acceptedRequestCount == 3)
        let full =
            #"{"series":[{"metric":"m","type":1,"interval":60,"unit":"second","source_type_name":"s","#
            + #""resources":[{"name":"h","type":"host"}],"metadata":{"origin":{"metric_type":1,"product":2,"service":3}},"#
            + #""points":[{"timestamp":1,"value":-2e3}]}]}"#
        #expect(try await post(fake, full).status == 202)
        #expect(try await post(fake, #"{"series":[]}"#).status == 202)
    }

    @Test("without the right DD-API-KEY: 403")
    func forbidden() async throws {
        let fake = try FakeDatadog()
        #expect(try await post(fake, Self.valid, key: nil).status == 403)
        #expect(try await post(fake, Self.valid, key: "wrong").status == 403)
        #expect(fake.series.isEmpty)
    }

    @Test(
        "bodies that break MetricPayload are 400 with the path of the fault",
        arguments: [
            (
                #"{"series":[{"metric":"m","points":[{"timestamp":1,"value":1}]}],"extra":1}"#,
                #"unknown field \"extra\""#
            ),
            (
                #"{"series":[{"metric":"m","host":"h","points":[{"timestamp":1,"value":1}]}]}"#,
                #"series[0]: unknown field \"host\""#
            ),
            (
                #"{"series":[{"metric":"m","points":[{"timestamp":1,"value":1,"x":2}]}]}"#,
                #"series[0].points[0]: unknown field"#
            ),
            (
                #"{"series":[{"metric":"m","points":[{"timestamp":1.5,"value":1}]}]}"#,
                "series[0].points[0].timestamp: expected an integer"
            ),
            (
                #"{"series":[{"metric":"m","points":[{"timestamp":1,"value":"1"}]}]}"#,
                "series[0].points[0].value: expected a number"
            ),
            (#"{"series":[{"metric":"m","points":[[1,1]]}]}"#, "series[0].points[0]: expected an object"),
            (
                #"{"series":[{"metric":"m","type":4,"points":[{"timestamp":1,"value":1}]}]}"#,
                "is not a MetricIntakeType"
            ),
            (
                #"{"series":[{"metric":"m","type":"gauge","points":[{"timestamp":1,"value":1}]}]}"#,
                "series[0].type: expected an integer"
            ),
            (#"{"series":[{"points":[{"timestamp":1,"value":1}]}]}"#, #"missing required field \"metric\""#),
            (#"{"series":[{"metric":"m"}]}"#, #"missing required field \"points\""#),
            (#"{"series":[{"metric":"m","points":[]}]}"#, "must hold at least one point"),
            (
                #"{"series":[{"metric":"m","tags":["a",1],"points":[{"timestamp":1,"value":1}]}]}"#,
                "series[0].tags[1]: expected a string"
            ),
            (#"{"series":[{"metric":"m","points":[{"timestamp":1,"value":1}],"interval":1.5}]}"#, "series[0].interval"),
            (#"{"metrics":[]}"#, "unknown field"),
            (#"{}"#, #"missing required field \"series\""#),
            (#"{"series":[{"metric":"m","points":[{"timestamp":1,"value":NaN}]}]}"#, "invalid JSON"),
            (#"{"series":[{"metric":"m","points":[{"timestamp":1,"value":null}]}]}"#, "expected a number, found null"),
        ])
    func schema(body: String, message: String) async throws {
        let fake = try FakeDatadog()
        let answer = try await post(fake, body)
        #expect(answer.status == 400)
        #expect(answer.errors.contains(message), "\(answer.errors)")
        #expect(fake.series.isEmpty)
    }

    @Test("size limits: 413 on the wire, once decompressed, and past the point limit")
    func limits() async throws {
        let fake = try FakeDatadog(limits: .init(maxCompressedBytes: 200, maxDecompressedBytes: 400, maxPoints: 2))
        let point = #"{"timestamp":1795435200,"value":1}"#
        let three = #"{"series":[{"metric":"m","points":["# + [point, point, point].joined(separator: ",") + "]}]}"
        let answer = try await post(fake, three)
        #expect(answer.status == 413)
        #expect(answer.errors.contains("Too many points: 3"))
        let big = #"{"series":[{"metric":""# + String(repeating: "m", count: 500) + #"","points":[\#(point)]}]}"#
        #expect(try await post(fake, big).status == 413)  // compresses well, but is 500+ bytes decompressed
        #expect(try await post(fake, big, encoding: nil).status == 413)  // and more than 200 on the wire
        #expect(fake.maxDecompressedBytes > 400)
        #expect(fake.series.isEmpty)
    }

    @Test("an undecodable body is 400; a body that is not JSON by its Content-Type is 415")
    func encodingAndType() async throws {
        let fake = try FakeDatadog()
        let response = try await http.send(
            HTTPRequest(
                method: "POST", url: fake.baseURL + "/api/v2/series",
                headers: [
                    ("DD-API-KEY", FakeDatadog.defaultAPIKey), ("Content-Encoding", "gzip"),
                    ("Content-Type", "application/json"),
                ],
                body: Array("not gzip".utf8)))
        #expect(response.status == 400)
        #expect(response.text.contains("cannot decompress"))
        #expect(try await post(fake, Self.valid, contentType: "text/plain").status == 415)
    }

    @Test("scripted faults come in order, then normal answers")
    func faults() async throws {
        let fake = try FakeDatadog()
        fake.fail(status: 503, times: 2)
        fake.throttle(times: 1, retryAfter: 7, rateLimitReset: 9)
        #expect(try await post(fake, Self.valid).status == 503)
        #expect(try await post(fake, Self.valid).status == 503)
        #expect(try await post(fake, Self.valid).status == 429)
        let headers = Dictionary(fake.requests[2].responseHeaders, uniquingKeysWith: { first, _ in first })
        #expect(headers["Retry-After"] == "7")
        #expect(headers["X-RateLimit-Reset"] == "9")
        #expect(headers["X-RateLimit-Remaining"] == "0")
        #expect(try await post(fake, Self.valid).status == 202)
        #expect(fake.requests.map(\.status) == [503, 503, 429, 202])

        fake.isDown = true
        await #expect(throws: HTTPError.self) { _ = try await post(fake, Self.valid) }
        fake.isDown = false
        fake.delay = .milliseconds(300)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await post(fake, Self.valid).status == 202)
        #expect(clock.now - start >= .milliseconds(300))
        #expect(fake.series.values.first == 2)
    }

    @Test("a refused point makes its whole request a 400 with Datadog's errors body; requests without one are stored")
    func refusesPoints() async throws {
        let fake = try FakeDatadog()
        fake.refuse(message: "Bad Request: value out of range") { $0.metric == "bad.m" && $0.timestamp == 1_795_435_200 }
        let mixed =
            #"{"series":[{"metric":"a.b","points":[{"timestamp":1795435200,"value":1}]},"#
            + #"{"metric":"bad.m","points":[{"timestamp":1795435200,"value":1e300}]}]}"#
        let refused = try await post(fake, mixed)
        #expect(refused.status == 400)
        #expect(refused.errors == #"{"errors":["Bad Request: value out of range"]}"#)
        #expect(fake.series.isEmpty, "nothing of a refused request is stored")
        // The same metric at another time, and other metrics, go through.
        let later = #"{"series":[{"metric":"bad.m","points":[{"timestamp":1795435260,"value":1}]}]}"#
        #expect(try await post(fake, later).status == 202)
        #expect(try await post(fake, Self.valid).status == 202)
        #expect(fake.requests.map(\.status) == [400, 202, 202])
        #expect(fake.requests.first?.errors == ["Bad Request: value out of range"])
    }

    @Test("GET /api/v1/validate: 200 {valid:true} with the key, 403 without")
    func validate() async throws {
        let fake = try FakeDatadog()
        let ok = try await http.send(
            .get(fake.baseURL + "/api/v1/validate", headers: [("DD-API-KEY", FakeDatadog.defaultAPIKey)]))
        #expect(ok.status == 200 && ok.text == #"{"valid":true}"#)
        let bad = try await http.send(.get(fake.baseURL + "/api/v1/validate", headers: [("DD-API-KEY", "nope")]))
        #expect(bad.status == 403 && bad.text == #"{"errors":["Forbidden"]}"#)
        #expect(fake.validateRequestCount == 2)
    }

    @Test("the configuration, the sink and the client print without the key")
    func printing() throws {
        let configuration = DatadogSink.Configuration(
            endpoint: DatadogEndpoint(site: "datadoghq.eu"), apiKey: "SECRET-KEY-123", statePath: "/tmp/s.sqlite")
        let sink = DatadogSink(configuration: configuration)
        let client = DatadogClient(endpoint: configuration.endpoint, apiKey: "SECRET-KEY-123", http: http)
        var dumped = ""
        dump(sink, to: &dumped)
        dump(client, to: &dumped)
        for text in ["\(configuration)", "\(sink)", String(reflecting: sink), "\(client)", dumped] {
            #expect(!text.contains("SECRET"), "\(text)")
        }
        #expect("\(configuration)".contains("key set"))
    }
}
