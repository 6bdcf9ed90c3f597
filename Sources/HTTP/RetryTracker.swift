import Foundation
import Pipeline

/// What one attempt produced, as the retry logic sees it.
enum AttemptOutcome {
    case response(HTTPResponse)
    case failure(TransferFailure)
}

/// What `send` does next.
enum RetryDecision {
    /// Hand the response to the caller.
    case deliver(HTTPResponse)
    /// Sleep, then try again; `reason` is for the log line.
    case retry(after: Duration, reason: String)
    case fail(HTTPError)
}

/// The retry state of one `send`: turns each attempt's outcome into a decision, following a
/// `RetryPolicy`. Pure apart from `random`, so the rules are unit-tested without a server.
struct RetryTracker {
    let policy: RetryPolicy
    let method: String
    let url: String
    var random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    /// The run's deadline: a wait that would end past it fails at once instead.
    var deadline: Deadline?
    /// The API's rate-limit headers and wording.
    var rateLimits: RateLimitRules = .standard

    /// The attempt that just finished (1-based).
    private(set) var attempt = 1
    /// Time slept so far.
    private(set) var waited: Duration = .zero
    /// Secondary rate-limit responses so far (each one doubles the next pause).
    private(set) var secondaryHits = 0

    init(policy: RetryPolicy, method: String, url: String) {
        self.policy = policy
        self.method = method
        self.url = url
    }

    /// The note of a failure not retried because the server may have carried the request out.
    static let notRepeated = "not tried again: the server may have carried it out, and this request must not be repeated"

    /// GitHub asks for at least a minute after a secondary limit, longer on each repeat; so do
    /// other APIs' rules.
    static let secondaryPause: Duration = .seconds(60)

    mutating func decide(_ outcome: AttemptOutcome, now: Date) -> RetryDecision {
        switch outcome {
        case .failure(let failure):
            var error = makeError(failure.kind)
            guard failure.retryable else { return .fail(error) }
            guard policy.repeatsPossiblyDone || !failure.mayHaveArrived else {
                error.note = Self.notRepeated
                return .fail(error)
            }
            return retry(after: policy.backoff(retry: attempt, random: random), reason: error.summary, else: error, now: now)

        case .response(let response):
            if let signal = RateLimitSignal.detect(in: response, rules: rateLimits, now: now) {
                return rateLimited(signal, response: response, now: now)
            }
            let status = response.status
            let retryable = status == 408 || status == 429 || ((500...599).contains(status) && status != 501)
            guard retryable, policy.repeatsPossiblyDone || status == 429 else { return .deliver(response) }
            var error = makeError(.status(status, message: APIErrorMessage.extract(from: response.body)))
            var delay = policy.backoff(retry: attempt, random: random)
            if let until = RateLimitSignal.retryAfter(response.headers, now: now) {
                // As for a 429: the server's wait, or at once an error when it is longer than allowed.
                delay = Self.duration(from: now, to: until)
                guard delay <= policy.maxRateLimitWait else {
                    error.note =
                        "the server asks to be retried at \(TimeText.iso8601(until)) (retry-after), later than "
                        + "the \(TimeText.seconds(policy.maxRateLimitWait)) a wait may last"
                    return policy.returnsLastResponse ? .deliver(response) : .fail(error)
                }
            }
            let decision = retry(after: delay, reason: HTTPStatusPhrase.describe(status), else: error, now: now)
            if case .fail = decision, policy.returnsLastResponse { return .deliver(response) }
            return decision
        }
    }

    private mutating func rateLimited(_ signal: RateLimitSignal, response: HTTPResponse, now: Date) -> RetryDecision {
        let wait: Duration
        let source: String
        switch signal {
        case .retryAfter(let until):
            wait = Self.duration(from: now, to: until)
            source = "retry-after"
        case .primary(let reset?, let header):
            // One second of slack: the reset is in whole seconds and clocks drift.
            wait = Self.duration(from: now, to: reset) + .seconds(1)
            source = header
        case .primary(nil, _), .secondary:
            wait = Self.secondaryPause * (1 << min(secondaryHits, 20))
            secondaryHits += 1
            source = "secondary rate limit"
        }
        let until = now.addingTimeInterval(TimeText.toSeconds(wait))
        let error = makeError(.rateLimited(until: until, source: source))
        guard wait <= policy.maxRateLimitWait else { return .fail(error) }
        return retry(after: wait, reason: "\(HTTPStatusPhrase.describe(response.status)), \(source)", else: error, now: now)
    }

    /// Retries after `delay` unless attempts or the total budget are spent, or the wait would
    /// pass the run's deadline, in which case `error`.
    private mutating func retry(after delay: Duration, reason: String, else error: HTTPError, now: Date) -> RetryDecision {
        guard attempt < policy.maxAttempts else { return .fail(error) }
        if let budget = policy.maxTotalWait, waited + delay > budget {
            var error = error
            error.note = "retry budget of \(TimeText.seconds(budget)) spent"
            return .fail(error)
        }
        if let deadline, delay >= deadline.remaining(at: now) {
            var error = error
            error.note = "waiting \(TimeText.seconds(delay)) to try again would pass \(deadline)"
            return .fail(error)
        }
        attempt += 1
        waited += delay
        return .retry(after: delay, reason: reason)
    }

    private func makeError(_ kind: HTTPError.Kind) -> HTTPError {
        HTTPError(kind, method: method, url: url, attempts: attempt)
    }

    private static func duration(from now: Date, to later: Date) -> Duration {
        let seconds = max(0, later.timeIntervalSince(now))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
