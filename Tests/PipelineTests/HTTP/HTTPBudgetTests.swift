import CCurl
import Foundation
import LoopbackHTTP
import Testing

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
        #expect(text.contains(HTTPDate.iso8601(fixedNow.addingTimeInterval(3600))), "\(text)")
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
            timeout: .seconds(30), connectTimeout: .seconds(1), bodyLimitExceeded: nil)
        #expect(connecting.kind == .connectTimedOut(.seconds(1)))
        let answering = TransferFailure.classify(
            CURLE_OPERATION_TIMEDOUT, osErrno: 0, detail: "Operation timed out after 30000 milliseconds with 0 bytes received",
            timeout: .seconds(30), connectTimeout: .seconds(1), bodyLimitExceeded: nil)
        #expect(answering.kind == .timedOut(.seconds(30)))
        var error = HTTPError(connecting.kind, method: "GET", url: "https://api.github.com/x")
        error.settingsPath = "stages.repo.http"
        #expect(
            error.description
                == "GET https://api.github.com/x: could not connect within 1 s; check that the host is reachable, or raise "
                + "stages.repo.http.connect_timeout (or http.connect_timeout for every stage) in the pipeline file")
    }
}
