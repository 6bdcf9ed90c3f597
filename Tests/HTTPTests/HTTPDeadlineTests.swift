import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// The run's deadline as the HTTP client sees it: no attempt runs past it and no wait that would
/// end past it is begun.
@Suite("HTTPClient and the run's deadline")
struct HTTPDeadlineTests {
    /// A deadline `seconds` after `fixedNow`, the clock of `makeClient` (which never moves).
    static func deadline(_ seconds: Double, from start: Date = fixedNow) -> Deadline {
        Deadline(TimeSpan(seconds: seconds), setting: .environment, from: start)
    }

    static func client(deadline: Deadline, sleeper: SleepRecorder = SleepRecorder()) -> HTTPClient {
        makeClient(sleeper: sleeper).with { $0.deadline = deadline }
    }

    @Test("an attempt whose server stalls ends at the deadline, not after its own 60 s timeout")
    func attemptEndsAtTheDeadline() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .seconds(60)
            return response
        }
        defer { server.stop() }
        let base = HTTPClient(configuration: .init(requestTimeout: .seconds(60), logger: Logger(label: "t", level: .error)))
        defer { base.shutdown() }
        let deadline = Self.deadline(2, from: Date())
        let client = base.with { $0.deadline = deadline }

        let start = ContinuousClock.now
        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/stall")) }

        #expect(ContinuousClock.now - start < .seconds(15), "the server would answer after 60 s")
        #expect(error?.kind == .deadlineReached(deadline, duringAttempt: true), "\(String(describing: error))")
        let text = error?.description ?? ""
        #expect(text.contains("no answer before the run's deadline of 2s (PIPELINE_DEADLINE)"), "\(text)")
        #expect(text.contains("raise PIPELINE_DEADLINE"), "\(text)")
        #expect(server.connectionCount == 1, "one attempt: a retry would open another connection")
    }

    @Test("a request made once the deadline has passed is not sent")
    func nothingIsSentAfterTheDeadline() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        defer { server.stop() }
        let base = makeClient()
        defer { base.shutdown() }
        let deadline = Self.deadline(-1)
        let client = base.with { $0.deadline = deadline }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/late")) }

        #expect(error?.kind == .deadlineReached(deadline, duringAttempt: false))
        #expect(error?.description.contains("not sent: the run's deadline") == true)
        #expect(server.requestCount == 0)
    }

    @Test("a Retry-After the policy would wait for, but that ends past the deadline, fails at once")
    func retryAfterPastTheDeadlineFailsAtOnce() async throws {
        let server = try LoopbackServer { _ in .json("{}", status: 503, headers: [("Retry-After", "30")]) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let base = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { base.shutdown() }
        let client = base.with { $0.deadline = Self.deadline(10) }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/busy")) }

        #expect(server.requestCount == 1)
        #expect(sleeper.recorded.isEmpty)
        #expect(error?.kind == .status(503, message: nil))
        let text = error?.description ?? ""
        #expect(text.contains("waiting 30 s to try again would pass the run's deadline of 10s"), "\(text)")
    }

    @Test("a rate limit resetting within the allowed wait but after the deadline fails at once, naming the reset")
    func rateLimitResetPastTheDeadlineFailsAtOnce() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 30
        let server = try LoopbackServer { _ in
            .json(
                #"{"message":"API rate limit exceeded"}"#, status: 403,
                headers: [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let base = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { base.shutdown() }
        let client = base.with { $0.deadline = Self.deadline(10) }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/limited")) }

        #expect(sleeper.recorded.isEmpty)
        #expect(server.requestCount == 1)
        guard case .rateLimited(let until, "x-ratelimit-reset")? = error?.kind else {
            Issue.record("expected rateLimited, got \(String(describing: error))")
            return
        }
        #expect(until == fixedNow.addingTimeInterval(31))
        #expect(error?.description.contains("would pass the run's deadline") == true)
    }

    @Test("a backoff that cannot end before the deadline is not slept: the last failure is reported with the deadline")
    func backoffPastTheDeadlineFailsAtOnce() {
        var tracker = RetryTracker(policy: .default, method: "GET", url: "https://api.github.com/x")
        tracker.random = { $0.upperBound }  // 0.5 s before the first retry
        tracker.deadline = Self.deadline(0.4)
        let decision = tracker.decide(
            .response(HTTPResponse(status: 502, url: "https://api.github.com/x")), now: fixedNow)
        guard case .fail(let error) = decision else {
            Issue.record("expected a failure, got \(decision)")
            return
        }
        #expect(error.kind == .status(502, message: nil))
        #expect(error.note?.contains("would pass the run's deadline of 0.4s") == true)

        var roomy = RetryTracker(policy: .default, method: "GET", url: "https://api.github.com/x")
        roomy.random = { $0.upperBound }
        roomy.deadline = Self.deadline(5)
        guard
            case .retry(let delay, _) = roomy.decide(
                .response(HTTPResponse(status: 502, url: "https://api.github.com/x")), now: fixedNow)
        else {
            Issue.record("a backoff that fits is slept")
            return
        }
        #expect(delay == .milliseconds(500))
    }

    @Test(
        "rate-limit pacing that fits before the deadline is slept; pacing that does not fails at once, naming the limit and its reset"
    )
    func pacingAndTheDeadline() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 3600
        let server = try LoopbackServer { _ in
            .json(
                "{}",
                headers: [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "10"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let base = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { base.shutdown() }

        // Far from the deadline: the budget is low (10 of 5,000 for an hour), so the second
        // request waits its share, capped at the 60 s a rate-limit wait may last.
        let roomy = base.with { $0.deadline = Self.deadline(3600) }
        _ = try await roomy.send(.get(server.baseURL + "/a"))
        _ = try await roomy.send(.get(server.baseURL + "/b"))
        #expect(sleeper.recorded == [.seconds(60)])
        #expect(server.requestCount == 2)

        // 20 s before the deadline: that wait cannot fit, and nothing is sent.
        let tight = base.with { $0.deadline = Self.deadline(20) }
        let error = await httpError { _ = try await tight.send(.get(server.baseURL + "/c")) }
        #expect(server.requestCount == 2)
        #expect(sleeper.recorded == [.seconds(60)])
        guard case .pacingPastDeadline(_, 5000, let resetDate, .seconds(60), _)? = error?.kind else {
            Issue.record("expected pacingPastDeadline, got \(String(describing: error))")
            return
        }
        #expect(resetDate == Date(timeIntervalSince1970: Double(reset)))
        let text = error?.description ?? ""
        #expect(text.contains("rate limit nearly spent"), "\(text)")
        #expect(text.contains("until \(TimeText.iso8601(resetDate))"), "\(text)")
        #expect(text.contains("past the run's deadline of 20s"), "\(text)")
    }

    @Test("a client made with `with` shares the rate-limit budget and thread; its shutdown leaves the original running")
    func derivedClientsShare() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        defer { server.stop() }
        let base = makeClient()
        defer { base.shutdown() }
        let derived = base.with { $0.requestTimeout = .seconds(5) }

        #expect(derived.budget === base.budget)
        #expect(derived.configuration.requestTimeout == .seconds(5))
        derived.shutdown()
        let response = try await base.send(.get(server.baseURL + "/still"))
        #expect(response.status == 200)
        #expect(try await derived.send(.get(server.baseURL + "/too")).status == 200)
    }
}
