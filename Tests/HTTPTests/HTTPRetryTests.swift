import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("HTTPClient retries and rate limits")
struct HTTPRetryTests {
    @Test func serverErrorsAreRetriedWithJitteredBackoff() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() <= 2 ? .json(#"{"message":"busy"}"#, status: 503) : .json(#"{"ok":1}"#)
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/flaky"))

        #expect(response.status == 200)
        #expect(server.requestCount == 3)
        let sleeps = sleeper.recorded
        #expect(sleeps.count == 2)
        // Full jitter: retry n sleeps somewhere in 0 … 0.5 s · 2^(n−1).
        #expect(sleeps.count == 2 && sleeps[0] <= .milliseconds(500) && sleeps[1] <= .seconds(1))
    }

    @Test func droppedConnectionIsRetried() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json(#"{"ok":1}"#)
            response.dropConnection = calls.increment() == 1
            return response
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/drop"))

        #expect(response.status == 200)
        #expect(server.requestCount == 2)
        #expect(sleeper.recorded.count == 1)
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        // Port 1: nothing listens there, and no test's server can be given it (they bind port 0),
        // unlike a port just freed, which a parallel test may take at once.
        let url = "http://127.0.0.1:1/gone"
        let sleeper = SleepRecorder()
        let client = makeClient(retry: RetryPolicy(maxAttempts: 3), sleeper: sleeper)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(url)) }

        #expect(error?.kind == .transport("connection refused"))
        #expect(error?.attempts == 3)
        #expect(error?.description.hasPrefix("GET \(url): connection refused after 3 attempts; ") == true)
        #expect(sleeper.recorded.count == 2)
    }

    @Test func retryAfterIsHonoured() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() == 1
                ? .json(#"{"message":"slow down"}"#, status: 429, headers: [("Retry-After", "1")]) : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/limited"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(1)])
    }

    @Test func secondaryRateLimitWaitsAMinute() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() == 1
                ? .json(
                    #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#,
                    status: 403)
                : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/search"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(60)])
    }

    @Test func repeatedSecondaryRateLimitGivesUpWhenThePauseOutgrowsThePolicy() async throws {
        let server = try LoopbackServer { _ in
            .json(#"{"message":"You have exceeded a secondary rate limit."}"#, status: 403)
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/search")) }

        // 60 s fits the default 60 s limit; the doubled 120 s does not.
        #expect(sleeper.recorded == [.seconds(60)])
        #expect(error?.kind == .rateLimited(until: fixedNow.addingTimeInterval(120), source: "secondary rate limit"))
        #expect(error?.description.contains("lower maxConcurrentPerHost") == true)
    }

    @Test func primaryLimitResettingSoonIsWaitedFor() async throws {
        let calls = Shared(0)
        let reset = Int(fixedNow.timeIntervalSince1970) + 30
        let server = try LoopbackServer { _ in
            calls.increment() == 1
                ? .json(
                    #"{"message":"API rate limit exceeded"}"#, status: 403,
                    headers: [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "\(reset)")])
                : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/repos/o/r"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(31)])  // until the reset, plus one second of slack
    }

    @Test func primaryLimitResettingLaterFailsAtOnce() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 3600
        let server = try LoopbackServer { _ in
            .json(
                #"{"message":"API rate limit exceeded"}"#, status: 429,
                headers: [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/repos/o/r/pulls")) }

        #expect(server.requestCount == 1)
        #expect(sleeper.recorded.isEmpty)
        #expect(
            error?.description
                == "GET \(server.baseURL)/repos/o/r/pulls: rate limit exhausted until 2027-01-15T09:00:01Z "
                + "(x-ratelimit-reset); wait for the reset, or use credentials with a larger quota")
    }

    @Test func forbiddenWithoutRateLimitSignalsIsReturned() async throws {
        let server = try LoopbackServer { _ in
            .json(
                #"{"message":"Resource not accessible by integration"}"#, status: 403,
                headers: [("X-RateLimit-Remaining", "4999")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/repos/o/r"))

        #expect(response.status == 403)
        #expect(server.requestCount == 1)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func exhaustedAttemptsNameTheURLAndStatusButNoSecrets() async throws {
        let server = try LoopbackServer { _ in .json(#"{"message":"upstream down"}"#, status: 503) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }
        let url = server.baseURL + "/repos/o/r/pulls?per_page=100&access_token=hunter2"

        let error = await httpError {
            _ = try await client.send(.get(url, headers: [("Authorization", "Bearer ghp_SECRET123")]))
        }

        let message = try #require(error).description
        #expect(server.requestCount == 6)
        #expect(sleeper.recorded.count == 5)
        #expect(
            message.hasPrefix(
                "GET \(server.baseURL)/repos/o/r/pulls?per_page=100&access_token=REDACTED: "
                    + "503 Service Unavailable: upstream down after 6 attempts"))
        #expect(!message.contains("SECRET123"))
        #expect(!message.contains("hunter2"))
    }

    @Test func retryBudgetStopsEarly() async throws {
        let server = try LoopbackServer { _ in
            .json("{}", status: 503, headers: [("Retry-After", "20")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(retry: RetryPolicy(maxTotalWait: .seconds(45)), sleeper: sleeper)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/x")) }

        #expect(sleeper.recorded == [.seconds(20), .seconds(20)])
        #expect(error?.attempts == 3)
        #expect(error?.description.contains("retry budget of 45 s spent") == true)
    }

    @Test func aRequestsOwnPolicyReplacesTheClients() async throws {
        let server = try LoopbackServer { _ in .json("{}", status: 503) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let request = HTTPRequest(url: server.baseURL + "/x", retry: RetryPolicy(maxAttempts: 2))
        let error = await httpError { _ = try await client.send(request) }

        #expect(server.requestCount == 2)
        #expect(sleeper.recorded.count == 1)
        #expect(error?.attempts == 2)
    }

    @Test func exhaustedRetriesCanReturnTheLastResponse() async throws {
        let server = try LoopbackServer { _ in .json(#"{"code":"ThrottlingException"}"#, status: 429) }
        defer { server.stop() }
        let client = makeClient(retry: RetryPolicy(maxAttempts: 3, returnsLastResponse: true))
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/x"))

        #expect(response.status == 429)
        #expect(response.text == #"{"code":"ThrottlingException"}"#)
        #expect(server.requestCount == 3)
    }
}
