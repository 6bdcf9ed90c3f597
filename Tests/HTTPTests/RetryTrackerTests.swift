import Foundation
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// The retry rules without a server: each case feeds one outcome to a fresh tracker.
@Suite("RetryTracker")
struct RetryTrackerTests {
    func tracker(_ policy: RetryPolicy = .default) -> RetryTracker {
        var tracker = RetryTracker(policy: policy, method: "GET", url: "https://api.github.com/x")
        tracker.random = { $0.upperBound }  // the top of the jitter range, to make delays exact
        tracker.rateLimits = .githubLike
        return tracker
    }

    func response(_ status: Int, _ headers: HTTPHeaders = [:], body: String = "") -> AttemptOutcome {
        .response(
            HTTPResponse(status: status, headers: headers, body: Array(body.utf8), url: "https://api.github.com/x"))
    }

    func delay(_ decision: RetryDecision) -> Duration? {
        if case .retry(let after, _) = decision { return after }
        return nil
    }

    @Test(arguments: [200, 201, 204, 301, 304, 400, 401, 404, 410, 413, 422, 501])
    func deliveredWithoutRetry(_ status: Int) {
        var tracker = tracker()
        guard case .deliver(let response) = tracker.decide(response(status), now: fixedNow) else {
            Issue.record("status \(status) should be delivered")
            return
        }
        #expect(response.status == status)
    }

    @Test(arguments: [408, 429, 500, 502, 503, 504])
    func retriedStatuses(_ status: Int) {
        var tracker = tracker()
        #expect(delay(tracker.decide(response(status), now: fixedNow)) == .milliseconds(500))
    }

    @Test func backoffDoublesUpToTheCap() {
        var tracker = tracker(RetryPolicy(maxAttempts: 10, maxDelay: .seconds(3), maxTotalWait: nil))
        let delays = (1...6).compactMap { _ in delay(tracker.decide(response(503), now: fixedNow)) }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3), .seconds(3)])
    }

    @Test func jitterStaysInRange() {
        var tracker = RetryTracker(
            policy: RetryPolicy(maxAttempts: 100, maxTotalWait: nil), method: "GET", url: "https://x")
        for retry in 1...50 {
            let wait = delay(tracker.decide(response(500), now: fixedNow))!
            #expect(wait >= .zero && wait <= min(.seconds(30), .milliseconds(500) * (1 << min(retry - 1, 20))))
        }
    }

    @Test func transportFailuresFollowTheirRetryability() {
        var retryable = tracker()
        #expect(
            delay(
                retryable.decide(
                    .failure(TransferFailure(kind: .transport("connection reset by the server"), retryable: true)),
                    now: fixedNow))
                == .milliseconds(500))
        var permanent = tracker()
        guard
            case .fail(let error) = permanent.decide(
                .failure(TransferFailure(kind: .transport("TLS certificate not trusted: x"), retryable: false)),
                now: fixedNow)
        else {
            Issue.record("should fail")
            return
        }
        #expect(error.attempts == 1)
    }

    @Test func retryAfterAsHTTPDate() {
        var tracker = tracker()
        let headers: HTTPHeaders = ["Retry-After": "Fri, 15 Jan 2027 08:00:07 GMT"]
        #expect(TimeText.iso8601(fixedNow) == "2027-01-15T08:00:00Z")
        #expect(delay(tracker.decide(response(429, headers), now: fixedNow)) == .seconds(7))
    }

    @Test func retryAfterBeyondTheLimitFails() {
        var tracker = tracker()
        guard case .fail(let error) = tracker.decide(response(429, ["retry-after": "600"]), now: fixedNow) else {
            Issue.record("should fail")
            return
        }
        #expect(error.kind == .rateLimited(until: fixedNow.addingTimeInterval(600), source: "retry-after"))
    }

    @Test func retryAfterOnServerErrorsLongerThanTheRateLimitWaitFailsAtOnce() {
        // As on a 429: waiting the 60 s allowed and asking again an hour early helps nobody.
        var tracker = tracker()
        guard case .fail(let error) = tracker.decide(response(503, ["Retry-After": "3600"]), now: fixedNow) else {
            Issue.record("should fail")
            return
        }
        #expect(error.kind == .status(503, message: nil))
        #expect(error.note?.contains("retried at \(TimeText.iso8601(fixedNow.addingTimeInterval(3600))) (retry-after)") == true)
        var within = self.tracker()
        #expect(delay(within.decide(response(503, ["Retry-After": "60"]), now: fixedNow)) == .seconds(60))
    }

    @Test func primaryLimitWithResetInThePastWaitsOneSecond() {
        var tracker = tracker()
        let headers: HTTPHeaders = [
            "x-ratelimit-remaining": "0", "x-ratelimit-reset": "\(Int(fixedNow.timeIntervalSince1970) - 5)",
        ]
        #expect(delay(tracker.decide(response(403, headers), now: fixedNow)) == .seconds(1))
    }

    @Test func secondaryLimitUnderNoRetryPolicyFailsAsRateLimited() {
        var tracker = tracker(.none)
        guard
            case .fail(let error) = tracker.decide(
                response(403, body: #"{"message":"You have triggered an abuse detection mechanism."}"#), now: fixedNow)
        else {
            Issue.record("should fail")
            return
        }
        #expect(error.kind == .rateLimited(until: fixedNow.addingTimeInterval(60), source: "secondary rate limit"))
    }

    @Test func statusErrorCarriesTheAPIMessage() {
        var tracker = tracker(.none)
        let long = String(repeating: "m", count: 500)
        guard case .fail(let error) = tracker.decide(response(500, body: #"{"message":"\#(long)"}"#), now: fixedNow)
        else {
            Issue.record("should fail")
            return
        }
        guard case .status(500, let message?) = error.kind else {
            Issue.record("expected a status error, got \(error.kind)")
            return
        }
        #expect(message.count == 200)
        #expect(error.description.hasPrefix("GET https://api.github.com/x: 500 Internal Server Error: mmm"))
    }
}

/// A request that must not be repeated (a POST that creates) is retried only when the server
/// cannot have acted on it.
extension RetryTrackerTests {
    func onceTracker() -> RetryTracker {
        var policy = RetryPolicy.default
        policy.repeatsPossiblyDone = false
        var tracker = tracker(policy)
        tracker.rateLimits = .standard
        return tracker
    }

    @Test("not repeated: a timeout or a dropped connection fails at once, saying why")
    func possiblyDoneFailureNotRepeated() {
        for failure in [
            TransferFailure(kind: .timedOut(.seconds(30)), retryable: true),
            TransferFailure(kind: .transport("connection reset by the server"), retryable: true),
        ] {
            var tracker = onceTracker()
            guard case .fail(let error) = tracker.decide(.failure(failure), now: fixedNow) else {
                Issue.record("\(failure.kind) should fail at once")
                continue
            }
            #expect(error.note == RetryTracker.notRepeated)
            #expect(error.attempts == 1)
        }
    }

    @Test("not repeated: a 5xx or 408 is delivered as it is, a 429 is still waited out")
    func possiblyDoneStatusNotRepeated() {
        for status in [408, 500, 502, 503, 504] {
            var tracker = onceTracker()
            guard case .deliver(let answer) = tracker.decide(response(status), now: fixedNow) else {
                Issue.record("status \(status) should be delivered without a retry")
                continue
            }
            #expect(answer.status == status)
        }
        var tracker = onceTracker()
        #expect(delay(tracker.decide(response(429, ["Retry-After": "3"]), now: fixedNow)) == .seconds(3))
    }

    @Test("not repeated: a connection never made is tried again")
    func neverConnectedIsRetried() {
        for failure in [
            TransferFailure(kind: .transport("connection refused"), retryable: true, mayHaveArrived: false),
            TransferFailure(kind: .connectTimedOut(.seconds(10)), retryable: true, mayHaveArrived: false),
        ] {
            var tracker = onceTracker()
            #expect(delay(tracker.decide(.failure(failure), now: fixedNow)) != nil, "\(failure.kind)")
        }
    }
}
