import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("Recording and replaying HTTP exchanges")
struct ExchangeRecordingTests {
    static let token = "ghp_RecordedTokenValue123"
    static let queryKey = "qk-9f8e7d6c5b4a"
    static let password = "pa55-w0rd-userinfo"

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "exchange-recording-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A server with two pages, a 503 before the second, a POST answered by its body, and a cookie.
    static func server() throws -> LoopbackServer {
        let calls = Shared(0)
        return try LoopbackServer { request in
            calls.update { $0 += 1 }
            switch (request.method, request.path) {
            case ("GET", "/items") where request.query["page"] == "2":
                if calls.value == 2 { return .json(#"{"message":"busy"}"#, status: 503) }
                return .json(#"[3]"#, headers: [("X-RateLimit-Remaining", "57"), ("Set-Cookie", "session=abc123")])
            case ("GET", "/items"):
                return .json(
                    #"[1,2]"#, headers: [("Link", "</items?page=2>; rel=\"next\""), ("ETag", "\"v1\""), ("X-Secret-Echo", "x")])
            case ("POST", "/query"):
                return .json(#"{"echo":\#(String(decoding: request.body, as: UTF8.self))}"#)
            default:
                return .json(#"{"message":"not found"}"#, status: 404)
            }
        }
    }

    static func runRequests(_ client: HTTPClient, base: String) async throws -> [HTTPResponse] {
        let auth = [("Authorization", "Bearer \(token)"), ("X-Api-Key", queryKey)]
        var responses: [HTTPResponse] = []
        responses.append(try await client.send(.get(base + "/items?access_token=\(queryKey)", headers: auth)))
        responses.append(try await client.send(.get(base + "/items?page=2", headers: auth)))
        for body in [#"{"q":1}"#, #"{"q":2}"#] {
            responses.append(
                try await client.send(
                    HTTPRequest(
                        method: "POST", url: base + "/query", headers: auth + [("Content-Type", "application/json")],
                        body: Array(body.utf8))))
        }
        return responses
    }

    @Test("a recorded run replays with the server stopped: the same statuses, bodies and headers, retries included")
    func replayAnswersAsRecorded() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try Self.server()
        let base = server.baseURL.replacingOccurrences(of: "http://", with: "http://user:\(Self.password)@")
        let client = makeClient()
        defer { client.shutdown() }
        let recorder = try RecordingTransport(directory: directory)
        let recorded = try await Self.runRequests(client.with { $0.exchangeHook = recorder }, base: base)
        let served = server.requestCount
        server.stop()
        #expect(served == 5, "two pages, one 503 retried, two POSTs")

        let replayer = try ReplayTransport(directory: directory)
        let replayed = try await Self.runRequests(client.with { $0.exchangeHook = replayer }, base: base)
        #expect(replayed.map(\.status) == [200, 200, 200, 200])
        #expect(replayed.map(\.text) == recorded.map(\.text))
        #expect(replayed[1].text == "[3]", "the 503 was replayed, then the retry's answer")
        #expect(replayed[2].text.contains(#""q":1"#) && replayed[3].text.contains(#""q":2"#), "POSTs matched on their body")
        #expect(replayed[0].headers["link"] == "</items?page=2>; rel=\"next\"")
        #expect(replayed[0].headers["etag"] == "\"v1\"")
        #expect(replayed[1].headers["x-ratelimit-remaining"] == "57")
        #expect(replayed[1].headers["set-cookie"] == nil)
        #expect(replayed[0].headers["x-secret-echo"] == nil, "only the listed response headers are kept")
        #expect(replayer.unusedCount == 0)
    }

    @Test("a recording holds whole answers, even of requests that keep only some fields; the caller gets its selection")
    func recordingHoldsWholeAnswers() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try LoopbackServer { _ in .json(#"{"id": 7, "name": "seven"}"#) }
        let client = makeClient()
        defer { client.shutdown() }
        let selection = FieldSelection.keys(["id": .all])
        let request = HTTPRequest(url: server.baseURL + "/item", keeping: selection)
        let recorder = try RecordingTransport(directory: directory)
        let recorded = try await client.with { $0.exchangeHook = recorder }.send(request)
        server.stop()
        #expect(try recorded.json(keeping: selection) == ["id": 7])

        let text = try String(contentsOfFile: directory + "/" + HTTPRecording.fileName, encoding: .utf8)
        #expect(text.contains("seven"), "the whole answer is recorded: \(text)")
        let replayer = try ReplayTransport(directory: directory)
        let replayed = try await client.with { $0.exchangeHook = replayer }.send(request)
        #expect(try replayed.json(keeping: selection) == ["id": 7])
        #expect(
            try replayed.json(keeping: FieldSelection.keys(["name": .all])) == ["name": "seven"],
            "a later pipeline may read other fields")
    }

    @Test("a recording holds no token, key, password, credential header or cookie")
    func recordingHoldsNoSecret() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try Self.server()
        defer { server.stop() }
        let base = server.baseURL.replacingOccurrences(of: "http://", with: "http://user:\(Self.password)@")
        let client = makeClient()
        defer { client.shutdown() }
        let recorder = try RecordingTransport(directory: directory)
        _ = try await Self.runRequests(client.with { $0.exchangeHook = recorder }, base: base)
        let text = try String(contentsOfFile: directory + "/" + HTTPRecording.fileName, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 5)
        for secret in [Self.token, Self.queryKey, Self.password, "Bearer", "authorization", "x-api-key", "session=abc123"] {
            #expect(!text.lowercased().contains(secret.lowercased()), "\(secret) in the recording")
        }
        #expect(text.contains("access_token=REDACTED"))
        #expect(text.contains("***@127.0.0.1"))
    }

    @Test("a request missing from the recording fails at once, naming it and the closest recorded requests")
    func unrecordedRequestFails() async throws {
        let exchanges = [
            HTTPRecording.Exchange(
                method: "GET", url: "https://api.example.com/repos/o/r/pulls?state=open", requestBody: nil, status: 200,
                headers: [], body: Array("[]".utf8)),
            HTTPRecording.Exchange(
                method: "GET", url: "https://api.example.com/repos/o/r/branches", requestBody: nil, status: 200, headers: [],
                body: Array("[]".utf8)),
        ]
        let replayer = ReplayTransport(exchanges: exchanges, source: "recordings/github")
        let client = makeClient()
        defer { client.shutdown() }
        let replaying = client.with { $0.exchangeHook = replayer }
        let answered = try await replaying.send(.get("https://api.example.com/repos/o/r/pulls?state=open"))
        #expect(answered.text == "[]")
        let error = await #expect(throws: HTTPError.self) {
            try await replaying.send(.get("https://api.example.com/repos/o/r/pulls?state=closed&access_token=abcd1234"))
        }
        let message = try #require(error).description
        #expect(
            message.hasPrefix(
                "GET https://api.example.com/repos/o/r/pulls?state=closed&access_token=REDACTED: not in the recording recordings/github"
            ))
        #expect(message.contains("the closest recorded: GET https://api.example.com/repos/o/r/pulls?state=open"))
        #expect(!message.contains("abcd1234"))
        #expect(error?.attempts == 0, "not retried")
    }

    @Test("identical requests get the recorded answers in order, then the last one again")
    func repeatedRequestsInOrder() async throws {
        let url = "https://api.example.com/api/get?request_id=r1"
        let exchanges = ["pending", "running", "done"].map {
            HTTPRecording.Exchange(method: "GET", url: url, requestBody: nil, status: 200, headers: [], body: Array($0.utf8))
        }
        let client = makeClient()
        defer { client.shutdown() }
        let replaying = client.with { $0.exchangeHook = ReplayTransport(exchanges: exchanges, source: "r") }
        var answers: [String] = []
        for _ in 0..<4 { answers.append(try await replaying.send(.get(url)).text) }
        #expect(answers == ["pending", "running", "done", "done"])
    }

    @Test("a body that is not UTF-8 is kept as base64 and read back byte for byte")
    func binaryBodyRoundTrips() throws {
        let exchange = HTTPRecording.Exchange(
            method: "GET", url: "https://x.example/blob", requestBody: nil, status: 200,
            headers: [["content-type", "image/png"]],
            body: [0x89, 0x50, 0xFF, 0x00, 0xFE])
        let line = HTTPRecording.line(exchange)
        #expect(line.contains("body_base64"))
        let read = try HTTPRecording.Exchange(json: JSONParser.parse(line), line: 1)
        #expect(read == exchange)
    }

    @Test("X-Amz-* query parameters and known secret values are redacted in recorded URLs, bodies and headers")
    func amazonParametersAndSecretsRedacted() {
        let url = "https://s3.example/b/k?X-Amz-Date=20261123T000000Z&X-Amz-Credential=AKIA%2F&prefix=a"
        #expect(HTTPRecording.redact(url: url) == "https://s3.example/b/k?X-Amz-Date=REDACTED&X-Amz-Credential=REDACTED&prefix=a")
        // A value the run resolved as a secret (`${secret:…}`, a credential-named variable).
        let secret = "resolved-secret-7c1f9a2e"
        SecretRedaction.shared.register(secret)
        let exchange = HTTPRecording.Exchange(
            request: HTTPRequest(
                method: "POST", url: "https://api.example/q?project=\(secret)", body: Array(#"{"key":"\#(secret)"}"#.utf8)),
            response: HTTPResponse(
                status: 200, headers: ["Link": "<https://api.example/q?c=\(secret)>; rel=\"next\""],
                body: Array(#"{"echo":"\#(secret)"}"#.utf8), url: "https://api.example/q"))
        let line = HTTPRecording.line(exchange)
        #expect(!line.contains(secret), "\(line)")
        #expect(exchange.url == "https://api.example/q?project=[secret]")
        #expect(String(decoding: exchange.body, as: UTF8.self) == #"{"echo":"[secret]"}"#)
        #expect(exchange.headers == [["link", "<https://api.example/q?c=[secret]>; rel=\"next\""]])
    }
}
