import CCurl
import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// What one request may cost: how long it waits, how large its answer may be, and that its
/// answers are counted even when it fails.
@Suite("HTTPClient budgets: Retry-After, timeouts, response size, cancellation, usage")
struct HTTPBudgetTests {
    // MARK: - Retry-After and timeouts

    @Test("a 503 whose Retry-After is longer than a wait may be fails at once, as a 429 does, saying so")
    func longRetryAfterOn503FailsAtOnce() async throws {
        let server = try LoopbackServer { _ in
            .json(#"{"message":"maintenance"}"#, status: 503, headers: [("Retry-After", "3600")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/down")) }

        #expect(server.requestCount == 1)
        #expect(sleeper.recorded.isEmpty, "no wait at all: \(sleeper.recorded)")
        let text = error?.description ?? ""
        #expect(text.contains("503 Service Unavailable"), "\(text)")
        #expect(text.contains("retry-after"), "\(text)")
        #expect(text.contains(TimeText.iso8601(fixedNow.addingTimeInterval(3600))), "\(text)")
    }

    @Test("a 503 with a short Retry-After waits exactly that long")
    func shortRetryAfterOn503IsHonoured() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() == 1 ? .json("{}", status: 503, headers: [("Retry-After", "2")]) : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/flaky"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(2)])
    }

    @Test("a timed-out attempt's error names the pipeline-file setting that raises it")
    func timeoutNamesTheSetting() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .seconds(60)
            return response
        }
        defer { server.stop() }
        let client = makeClient(retry: .none)
        defer { client.shutdown() }

        let error = await httpError {
            _ = try await client.send(HTTPRequest(url: server.baseURL + "/slow", timeout: .milliseconds(200)))
        }

        let text = error?.description ?? ""
        #expect(text.contains("timed out after 0.2 s"), "\(text)")
        #expect(text.contains("http.timeout"), "\(text)")
    }

    @Test("timeouts while connecting are told apart from slow answers, and name connect_timeout")
    func connectTimeoutIsClassified() {
        let connecting = TransferFailure.classify(
            CURLE_OPERATION_TIMEDOUT, osErrno: 0, detail: "Connection timed out after 1001 milliseconds",
            timeout: .seconds(30), connectTimeout: .seconds(1))
        #expect(connecting.kind == .connectTimedOut(.seconds(1)))
        let answering = TransferFailure.classify(
            CURLE_OPERATION_TIMEDOUT, osErrno: 0, detail: "Operation timed out after 30000 milliseconds with 0 bytes received",
            timeout: .seconds(30), connectTimeout: .seconds(1))
        #expect(answering.kind == .timedOut(.seconds(30)))
        var error = HTTPError(connecting.kind, method: "GET", url: "https://api.github.com/x")
        error.settingsPath = "stages.repo.http"
        #expect(
            error.description
                == "GET https://api.github.com/x: could not connect within 1 s; check that the host is reachable, or raise "
                + "stages.repo.http.connect_timeout (or http.connect_timeout for every stage) in the pipeline file")
    }

    // MARK: - Response size

    @Test("a Content-Length over the cap is refused before the body is read (the server would then stall 60 s)")
    func declaredLengthOverTheCapIsRefusedAtOnce() async throws {
        let server = try ScriptedServer { writer in
            writer.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n[")
            writer.pause(.seconds(60))
        }
        defer { server.stop() }
        let client = makeClient(retry: .none, requestTimeout: .seconds(60))
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/huge?access_token=abc")) }

        #expect(ContinuousClock.now - start < .seconds(10))
        guard case .responseTooLarge? = error?.kind else {
            Issue.record("expected responseTooLarge, got \(String(describing: error))")
            return
        }
        let text = error?.description ?? ""
        #expect(text.contains("GET \(server.baseURL)/huge?access_token=REDACTED"), "the URL, redacted: \(text)")
        #expect(!text.contains("abc"))
        #expect(text.contains("50000000"), "the declared size: \(text)")
        #expect(text.contains("max_response_bytes"), "\(text)")
    }

    @Test("a body without Content-Length is cut off once it passes the cap, by default far below 64 MiB")
    func chunkedBodyOverTheDefaultCapIsRefused() async throws {
        let sent = Shared(0)
        let server = try ScriptedServer { writer in
            writer.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
            let head = Array("100000\r\n".utf8)  // 1 MiB, in hex
            for _ in 0..<40 {
                guard writer.write(head + chunk + [13, 10]) else { return }
                sent.update { $0 += 1 }
            }
            writer.write("1\r\n1\r\n0\r\n\r\n")
        }
        defer { server.stop() }
        let client = makeClient(retry: .none)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/endless")) }

        guard case .responseTooLarge(let limit, let declared)? = error?.kind else {
            Issue.record("expected responseTooLarge, got \(String(describing: error))")
            return
        }
        #expect(limit <= 16 << 20)
        #expect(declared == nil)
        #expect(sent.value < 40, "the download stopped before the whole 40 MiB")
        #expect(error?.description.contains("max_response_bytes") == true)
    }

    @Test("a 304 or a HEAD answer may declare a large Content-Length: nothing is refused")
    func bodylessAnswersAreNotRefused() async throws {
        let server = try ScriptedServer { writer in
            writer.write("HTTP/1.1 304 Not Modified\r\netag: \"x\"\r\ncontent-length: 50000000\r\n\r\n")
        }
        defer { server.stop() }
        let client = makeClient(retry: .none)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/same"))

        #expect(response.status == 304)

        let headServer = try ScriptedServer { writer in
            writer.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n")
        }
        defer { headServer.stop() }
        let head = try await client.send(HTTPRequest(method: "HEAD", url: headServer.baseURL + "/big"))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    // MARK: - Cancellation (SIGTERM)

    @Test("cancelling a request while it sleeps before a retry ends it at once, and no new attempt starts")
    func cancellationEndsRetrySleep() async throws {
        let server = try LoopbackServer { _ in .json("{}", status: 503, headers: [("Retry-After", "30")]) }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(logger: Logger(label: "t", level: .error)))
        defer { client.shutdown() }

        let task = Task { try await client.send(.get(server.baseURL + "/busy")) }
        let waitStart = ContinuousClock.now
        while server.requestCount == 0, ContinuousClock.now - waitStart < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.result

        #expect(ContinuousClock.now - cancelled < .seconds(10), "the retry would sleep 30 s")
        #expect(throws: CancellationError.self) { try result.get() }
        try await Task.sleep(for: .milliseconds(500))
        #expect(server.requestCount == 1)
    }
}
