import Foundation
import LoopbackHTTP
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("LoopbackServer")
struct LoopbackServerTests {
    /// Echoes what it received, so tests can check parsing.
    static let echo: @Sendable (HTTPRequestHead) -> LoopbackResponse = { request in
        let summary: [String: Any] = [
            "method": request.method, "path": request.path, "rawQuery": request.rawQuery,
            "target": request.target, "query": request.query, "headers": request.headers,
            "body": String(decoding: request.body, as: UTF8.self),
        ]
        let data = try! JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        return .json(String(decoding: data, as: UTF8.self), headers: [("x-test", "1")])
    }

    static func session() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }

    @Test func servesURLSessionRequests() async throws {
        let server = try LoopbackServer(handler: Self.echo)
        defer { server.stop() }
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
        #expect(server.port != 0)

        var request = URLRequest(url: URL(string: server.baseURL + "/a/b?x=1&y=hello%20world&x=2&z=a+b")!)
        request.setValue("Bearer abc", forHTTPHeaderField: "Authorization")
        let (data, response) = try await Self.session().data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "x-test") == "1")
        #expect(http.value(forHTTPHeaderField: "content-type") == "application/json")
        let echo = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(echo["method"] as? String == "GET")
        #expect(echo["path"] as? String == "/a/b")
        #expect(echo["rawQuery"] as? String == "x=1&y=hello%20world&x=2&z=a+b")
        #expect(echo["target"] as? String == "/a/b?x=1&y=hello%20world&x=2&z=a+b")
        #expect(echo["query"] as? [String: String] == ["x": "2", "y": "hello world", "z": "a b"])
        #expect((echo["headers"] as? [String: String])?["authorization"] == "Bearer abc")
        #expect(server.requestCount == 1)
    }

    @Test func readsPostBodiesByContentLength() async throws {
        let server = try LoopbackServer(handler: Self.echo)
        defer { server.stop() }
        let payload = String(repeating: "0123456789", count: 20_000)  // 200 KB, several reads
        var request = URLRequest(url: URL(string: server.baseURL + "/upload")!)
        request.httpMethod = "POST"
        let (data, _) = try await Self.session().upload(for: request, from: Data(payload.utf8))
        let echo = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(echo["method"] as? String == "POST")
        #expect((echo["body"] as? String)?.count == payload.count)
    }

    @Test func keepsConnectionsAlive() throws {
        let server = try LoopbackServer { request in .json("{\"path\":\"\(request.path)\"}") }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        for index in 0..<5 {
            let response = try client.get("/r\(index)")
            #expect(response.status == 200)
            #expect(response.text == "{\"path\":\"/r\(index)\"}")
            #expect(response.headers["content-length"] == "\(response.body.count)")
        }
        #expect(server.requestCount == 5)
        #expect(server.connectionCount == 1)
    }

    @Test func honoursConnectionClose() throws {
        let server = try LoopbackServer { _ in LoopbackResponse(status: 204) }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let response = try client.get("/", headers: ["Connection": "close"])
        #expect(response.status == 204)
        #expect(response.headers["content-length"] == "0")
        #expect(response.headers["connection"] == "close")
        #expect(client.isClosedByPeer())
    }

    @Test func delaysAndCountsConcurrency() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .milliseconds(200)
            return response
        }
        defer { server.stop() }
        let session = Self.session()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let (_, response) = try await session.data(from: URL(string: server.baseURL + "/d\(index)")!)
                    return (response as? HTTPURLResponse)?.statusCode ?? 0
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        // Timing upper bounds are unreliable on a loaded 2-core machine; overlap shows concurrency.
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        #expect(server.requestCount == 4)
        #expect(server.maxInFlight >= 2)
    }

    @Test func dropsConnections() throws {
        let server = try LoopbackServer { request in
            var response = LoopbackResponse.json("{}")
            response.dropConnection = request.path == "/drop"
            return response
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.get("/ok").status == 200)
        #expect(throws: RawHTTPClient.ClosedError.self) { try client.get("/drop") }
        #expect(server.requestCount == 2)
        // The server keeps serving other connections.
        #expect(try RawHTTPClient(port: server.port).get("/ok").status == 200)
    }

    @Test func survivesClientsThatDisconnect() throws {
        let server = try LoopbackServer { _ in .json("{}") }
        defer { server.stop() }
        do {
            let client = try RawHTTPClient(port: server.port)
            client.send("GET /half HTTP/1.1\r\nHost: x\r\n")  // head never finished
        }
        #expect(try RawHTTPClient(port: server.port).get("/ok").status == 200)
    }

    @Test func answersMalformedRequestsWith400() throws {
        let server = try LoopbackServer { _ in .json("{}") }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        client.send("NONSENSE\r\n\r\n")
        #expect(try client.readResponse().status == 400)
    }

    @Test func stopClosesListenerAndConnections() throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.get("/").status == 200)
        let started = ContinuousClock.now
        server.stop()
        server.stop()  // idempotent
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(client.isClosedByPeer())
        #expect(throws: RawHTTPClient.ClosedError.self) { try RawHTTPClient(port: server.port) }
    }

    @Test func stopsOnDeinit() throws {
        var server: LoopbackServer? = try LoopbackServer { _ in .json("{}") }
        let port = server!.port
        #expect(try RawHTTPClient(port: port).get("/").status == 200)
        server = nil
        #expect(throws: RawHTTPClient.ClosedError.self) { try RawHTTPClient(port: port) }
    }

    @Test func bindsAFixedPort() throws {
        let probe = try LoopbackServer { _ in .json("{}") }
        let port = probe.port
        probe.stop()
        let server = try LoopbackServer(port: port) { _ in .json("{\"fixed\":true}") }
        defer { server.stop() }
        #expect(server.port == port)
        #expect(try RawHTTPClient(port: port).get("/").text == "{\"fixed\":true}")
    }
}
