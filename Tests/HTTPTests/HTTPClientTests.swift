import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("HTTPClient basics")
struct HTTPClientTests {
    @Test func getSendsAndReceivesHeaders() async throws {
        let seen = Shared<HTTPRequestHead?>(nil)
        let server = try LoopbackServer { request in
            seen.update { $0 = request }
            return .json(#"{"ok":true}"#, headers: [("X-Rate", "42"), ("Link", "<a>; rel=\"next\"")])
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(
            .get(
                server.baseURL + "/repos/o/r?state=all",
                headers: [("Authorization", "Bearer t0k3n"), ("X-Custom", "yes")]))

        #expect(response.status == 200)
        #expect(response.text == #"{"ok":true}"#)
        #expect(response.headers["x-rate"] == "42")
        #expect(response.headers["X-RATE"] == "42")
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers.values("link") == ["<a>; rel=\"next\""])
        #expect(response.url == server.baseURL + "/repos/o/r?state=all")
        let request = try #require(seen.value)
        #expect(request.method == "GET")
        #expect(request.path == "/repos/o/r")
        #expect(request.query["state"] == "all")
        #expect(request.headers["user-agent"] == "pipeline-tests/1.0")
        #expect(request.headers["authorization"] == "Bearer t0k3n")
        #expect(request.headers["x-custom"] == "yes")
        #expect(request.headers["expect"] == nil)
    }

    @Test func gzipIsDecodedTransparently() async throws {
        let acceptEncoding = Shared<String?>(nil)
        let server = try LoopbackServer { request in
            acceptEncoding.update { $0 = request.headers["accept-encoding"] }
            return LoopbackResponse(
                status: 200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                body: gzipFixture)
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/compressed"))

        #expect(acceptEncoding.value?.contains("gzip") == true)
        #expect(response.body.count == 629)
        #expect(response.text.hasPrefix(#"{"hello":"gzip","padding":"abcabc"#))
    }

    @Test func postSendsBodyAndMethod() async throws {
        let server = try LoopbackServer { request in
            LoopbackResponse(
                status: 201,
                headers: [("X-Method", request.method), ("X-Type", request.headers["content-type"] ?? "")],
                body: request.body)
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let payload = Array(String(repeating: "x", count: 5000).utf8)

        let post = try await client.send(
            HTTPRequest(
                method: "POST", url: server.baseURL + "/series", headers: [("Content-Type", "application/json")],
                body: payload))
        let put = try await client.send(HTTPRequest(method: "PUT", url: server.baseURL + "/x", body: Array("hi".utf8)))
        let delete = try await client.send(HTTPRequest(method: "DELETE", url: server.baseURL + "/x"))

        #expect(post.status == 201)
        #expect(post.body == payload)
        #expect(post.headers["x-method"] == "POST")
        #expect(post.headers["x-type"] == "application/json")
        #expect(put.headers["x-method"] == "PUT")
        #expect(put.text == "hi")
        #expect(delete.headers["x-method"] == "DELETE")
    }

    @Test func redirectKeepsOnlyTheFinalResponsesHeaders() async throws {
        let server = try LoopbackServer { request in
            if request.path == "/old" {
                return LoopbackResponse(status: 301, headers: [("Location", "/new"), ("X-Old", "1")])
            }
            return .json("{}", headers: [("X-New", "1")])
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/old"))

        #expect(response.status == 200)
        #expect(response.url == server.baseURL + "/new")
        #expect(response.headers["x-new"] == "1")
        #expect(response.headers["x-old"] == nil)
    }

    @Test func notFoundIsReturnedWithoutRetry() async throws {
        let server = try LoopbackServer { _ in .json(#"{"message":"Not Found"}"#, status: 404) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/repos/o/missing"))

        #expect(response.status == 404)
        #expect(server.requestCount == 1)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func connectionsAreReused() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        for _ in 0..<10 { _ = try await client.send(.get(server.baseURL + "/x")) }

        #expect(server.requestCount == 10)
        #expect(server.connectionCount == 1)
    }

    @Test func slowResponseTimesOut() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .seconds(60)
            return response
        }
        defer { server.stop() }
        let client = makeClient(retry: .none)
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let error = await httpError {
            _ = try await client.send(HTTPRequest(url: server.baseURL + "/slow", timeout: .milliseconds(200)))
        }

        #expect(error?.kind == .timedOut(.milliseconds(200)))
        // Far below the server's 60 s, with room for a loaded machine: not a speed test.
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(error?.description.contains("timed out after 0.2 s") == true)
    }

    @Test func responseLargerThanTheLimitFails() async throws {
        let server = try LoopbackServer { _ in
            LoopbackResponse(status: 200, body: [UInt8](repeating: 65, count: 10_000))
        }
        defer { server.stop() }
        let client = HTTPClient(
            configuration: .init(maxResponseBytes: 1000, logger: Logger(label: "t", level: .error)))
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/big")) }

        // Refused on its Content-Length, before the body.
        #expect(error?.kind == .responseTooLarge(limit: 1000, declared: 10_000))
    }

    @Test func invalidRequestsAreRejectedBeforeSending() async throws {
        let client = makeClient()
        defer { client.shutdown() }

        let relative = await httpError { _ = try await client.send(.get("/repos/o/r")) }
        let injected = await httpError {
            _ = try await client.send(.get("http://127.0.0.1:1/x", headers: [("Authorization", "secret\r\nX-Evil: 1")]))
        }

        #expect(relative?.description.contains("must be absolute http:// or https://") == true)
        #expect(injected?.description.contains("header Authorization contains a line break") == true)
        #expect(injected?.description.contains("secret") == false)
    }

    @Test func droppingAClientWithoutShutdownIsSafe() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        defer { server.stop() }
        for _ in 0..<5 {
            let client = makeClient()
            #expect(try await client.send(.get(server.baseURL + "/x")).status == 200)
        }  // each client's deinit stops its thread
        #expect(server.requestCount == 5)
    }

    @Test func sendAfterShutdownFails() async throws {
        let client = makeClient()
        client.shutdown()
        client.shutdown()  // idempotent

        let error = await httpError { _ = try await client.send(.get("http://127.0.0.1:1/x")) }

        #expect(error?.kind == .shutDown)
    }
}
