import Foundation
import Pipeline

/// The engine's one HTTP client, shared by every stage of a run.
///
/// Built on libcurl's multi interface rather than URLSession to keep a run's peak RSS low
/// (see ENGINEERING.md). One dedicated thread drives all transfers (`CurlMultiLoop`);
/// connections are reused; at most `maxConcurrentPerHost` requests are in flight per host;
/// failures and rate limits are retried per `RetryPolicy`; a `deadline` bounds every attempt
/// and every wait.
///
///     let client = HTTPClient(configuration: .init(userAgent: "pipeline/1.0"))
///     defer { client.shutdown() }
///     let response = try await client.send(.get(url, headers: [("Authorization", "Bearer \(token)")]))
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// Requests in flight per `scheme://host:port`, across every stage.
        public var maxConcurrentPerHost: Int
        /// Sent on every request (GitHub rejects requests without one).
        public var userAgent: String
        /// The longest time to establish a connection (a pipeline file's `http.connect_timeout`).
        public var connectTimeout: Duration
        /// The total time for one attempt, from connecting to the last body byte
        /// (`CURLOPT_TIMEOUT_MS`; a pipeline file's `http.timeout`); `HTTPRequest.timeout`
        /// overrides it.
        public var requestTimeout: Duration
        /// Responses with a larger (decoded) body fail with `.responseTooLarge`, refused on their
        /// `Content-Length` before the body is read or as soon as the bytes received pass it: a
        /// body not reduced as it arrives (`HTTPRequest.keeping`) is held whole and then parsed, so
        /// this bounds what one request costs in memory (a pipeline file's
        /// `http.max_response_bytes`; `HTTPRequest.maxResponseBytes` overrides it).
        public var maxResponseBytes: Int
        public var retry: RetryPolicy
        /// The run's deadline: no attempt runs past it (its timeout is cut to what is left) and no
        /// wait (backoff, `Retry-After`, a rate limit's reset, pacing) that would end past it is
        /// begun: the request fails at once instead. Nil for none.
        public var deadline: Deadline?
        /// Where a pipeline file sets these limits (`http`, or `stages.NAME.http` for a stage's
        /// client), named by errors that tell the user to raise one.
        public var settingsPath: String
        /// Sleeps between attempts; tests inject one that records and returns at once.
        public var sleep: @Sendable (Duration) async throws -> Void
        /// The wall clock, for rate-limit resets; injectable for tests.
        public var now: @Sendable () -> Date
        /// Receives one warning per retry (method, redacted URL, reason, wait).
        public var logger: Logger
        /// How the API states its rate limits (headers, secondary-limit wording, credential
        /// headers); `.standard` honours only `Retry-After`. Each stage sets its API's.
        public var rateLimits: RateLimitRules
        /// Performs each exchange in place of libcurl, or around it (`RecordingTransport`,
        /// `ReplayTransport`); nil, the default, performs every exchange with libcurl.
        public var exchangeHook: (any HTTPExchangeHook)?

        public init(
            maxConcurrentPerHost: Int = 8,
            userAgent: String = "pipeline/1.0 (+libcurl)",
            connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration = .seconds(30),
            maxResponseBytes: Int = 8 << 20,
            retry: RetryPolicy = .default,
            deadline: Deadline? = nil,
            settingsPath: String = "http",
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
            now: @escaping @Sendable () -> Date = { Date() },
            logger: Logger = .fromEnvironment(label: "http"),
            rateLimits: RateLimitRules = .standard,
            exchangeHook: (any HTTPExchangeHook)? = nil
        ) {
            self.maxConcurrentPerHost = maxConcurrentPerHost
            self.userAgent = userAgent
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxResponseBytes = maxResponseBytes
            self.retry = retry
            self.deadline = deadline
            self.settingsPath = settingsPath
            self.sleep = sleep
            self.now = now
            self.logger = logger
            self.rateLimits = rateLimits
            self.exchangeHook = exchangeHook
        }
    }

    public let configuration: Configuration
    let loop: CurlMultiLoop
    let limiter: HostLimiter
    /// The rate-limit budget of each host and credential, shared by every request of the run.
    let budget: RateLimitBudget
    /// False for a client made by `with(_:)`: the thread belongs to the client it was made from.
    private let ownsLoop: Bool

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.loop = CurlMultiLoop()
        self.limiter = HostLimiter(limit: configuration.maxConcurrentPerHost)
        self.budget = RateLimitBudget()
        self.ownsLoop = true
    }

    private init(configuration: Configuration, sharingWith other: HTTPClient) {
        self.configuration = configuration
        self.loop = other.loop
        self.limiter = other.limiter
        self.budget = other.budget
        self.ownsLoop = false
    }

    deinit { if ownsLoop { loop.shutdown() } }

    /// A client with other settings (a stage's timeouts, the run's deadline) that shares this
    /// one's thread and connections, per-host bound and rate-limit budgets. Its `shutdown()` does
    /// nothing: this client's stops both.
    public func with(_ change: (inout Configuration) -> Void) -> HTTPClient {
        var configuration = self.configuration
        change(&configuration)
        return HTTPClient(configuration: configuration, sharingWith: self)
    }

    /// Stops the client's thread; requests still running fail with `HTTPError.Kind.shutDown`.
    /// Call it when the run ends; `deinit` calls it too.
    public func shutdown() { if ownsLoop { loop.shutdown() } }

    /// Sends `request`, retrying per the policy, and returns the response, whatever its status,
    /// unless the status is one that is retried (408, 429, 5xx) and kept failing (then it throws,
    /// or returns that last response if the policy's `returnsLastResponse` says so).
    ///
    /// `onAnswer` sees every answer the server gave, retried ones and one that ends in an error
    /// (an exhausted rate limit) included: what the API counted.
    ///
    /// Throws `HTTPError` (with a message that says what to do) or `CancellationError`. A
    /// cancelled task starts no further attempt and sleeps no further.
    public func send(
        _ request: HTTPRequest, onAnswer: (@Sendable (HTTPResponse) -> Void)? = nil
    ) async throws -> HTTPResponse {
        do {
            return try await attempts(request, onAnswer: onAnswer)
        } catch var error as HTTPError {
            error.settingsPath = configuration.settingsPath
            throw error
        }
    }

    private func attempts(
        _ request: HTTPRequest, onAnswer: (@Sendable (HTTPResponse) -> Void)?
    ) async throws -> HTTPResponse {
        let hostKey = try validate(request)
        let deadline = configuration.deadline
        let policy = request.retry ?? configuration.retry
        var tracker = RetryTracker(policy: policy, method: request.method, url: request.url)
        tracker.deadline = deadline
        let rules = configuration.rateLimits
        tracker.rateLimits = rules
        let budgetKey = RateLimitBudget.key(host: hostKey, headers: request.headers, rules: rules)
        var pacingLogged = false
        // What the run's watchdog names if the run stalls here.
        let activity = RunActivity.beginWait("\(request.method) \(URLRedaction.redact(request.url))", phase: "starting")
        defer { activity?.end() }
        while true {
            try Task.checkCancellation()
            let now = configuration.now()
            let pause = budget.delay(for: budgetKey, now: now)
            if pause > .zero {
                let wait = min(pause, policy.maxRateLimitWait)
                let window = budget.window(for: budgetKey)
                if let deadline, wait >= deadline.remaining(at: now) {
                    let kind: HTTPError.Kind =
                        if let window {
                            .pacingPastDeadline(
                                remaining: window.remaining, limit: window.limit, reset: window.reset, wait: wait,
                                deadline: deadline)
                        } else {
                            .deadlineReached(deadline, duringAttempt: false)
                        }
                    throw HTTPError(kind, method: request.method, url: request.url, attempts: tracker.attempt - 1)
                }
                if !pacingLogged, let window {
                    configuration.logger.warning(
                        "rate-limit budget low for \(hostKey) (\(window.remaining) of \(window.limit) left until "
                            + "\(TimeText.iso8601(window.reset))): spacing requests by \(TimeText.seconds(wait))")
                    pacingLogged = true
                }
                activity?.phase("paced by the rate-limit budget")
                try await configuration.sleep(wait)
            }
            let started = ContinuousClock.now
            let outcome: AttemptOutcome
            var cutByDeadline = false
            do {
                let response = try await performFollowingRedirects(request, activity: activity) { hop in
                    // After the wait for a permit: the deadline is what is left now.
                    let (options, cut) = try options(for: hop, attempt: tracker.attempt)
                    cutByDeadline = cut
                    return options
                }
                budget.record(response, key: budgetKey, rules: rules, now: configuration.now())
                onAnswer?(response)
                outcome = .response(response)
            } catch let failure as TransferFailure {
                if let deadline, cutByDeadline, failure.isTimeout {
                    throw HTTPError(
                        .deadlineReached(deadline, duringAttempt: true), method: request.method, url: request.url,
                        attempts: tracker.attempt)
                }
                outcome = .failure(failure)
            }
            let attempt = tracker.attempt
            logAttempt(request, outcome, attempt: attempt, of: policy.maxAttempts, since: started)
            switch tracker.decide(outcome, now: configuration.now()) {
            case .deliver(let response):
                return response
            case .fail(let error):
                throw error
            case .retry(let delay, let reason):
                configuration.logger.warning(
                    "\(request.method) \(URLRedaction.redact(request.url)): \(reason) "
                        + "(attempt \(attempt) of \(policy.maxAttempts)); retrying in \(TimeText.seconds(delay))"
                )
                activity?.phase("waiting \(TimeText.seconds(delay)) before attempt \(attempt + 1)")
                do {
                    try await configuration.sleep(delay)
                } catch let refusal as any RetryRefusal {
                    throw refusal.after(reason)
                }
            }
        }
    }

    /// What the curl thread needs for one attempt, and whether its timeout was cut to what is
    /// left of the deadline (plus a second); an attempt with nothing left is not made.
    private func options(for request: HTTPRequest, attempt: Int) throws -> (TransferOptions, cut: Bool) {
        var timeout = request.timeout ?? configuration.requestTimeout
        var cut = false
        if let deadline = configuration.deadline {
            let left = deadline.remaining(at: configuration.now())
            guard left > .zero else {
                throw HTTPError(
                    .deadlineReached(deadline, duringAttempt: false), method: request.method, url: request.url,
                    attempts: attempt - 1)
            }
            // One second past it: the executor stops its stages at the deadline itself (and says
            // which were still running); the cut ends the attempt should nothing stop it.
            let cutTo = left + .seconds(1)
            if cutTo < timeout {
                timeout = cutTo
                cut = true
            }
        }
        let options = TransferOptions(
            userAgent: configuration.userAgent, connectTimeout: configuration.connectTimeout, timeout: timeout,
            maxResponseBytes: request.maxResponseBytes ?? configuration.maxResponseBytes)
        return (options, cut)
    }

    /// Checks what curl would otherwise reject obscurely (or, for line breaks in headers,
    /// accept dangerously) and returns the request's host key.
    private func validate(_ request: HTTPRequest) throws -> String {
        func invalid(_ reason: String) -> HTTPError {
            HTTPError(.invalidRequest(reason), method: request.method, url: request.url, attempts: 0)
        }
        let lowered = request.url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), let key = HostLimiter.key(for: request.url)
        else { throw invalid("the URL must be absolute http:// or https://") }
        if request.url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw invalid("the URL contains spaces or control characters; percent-encode it (URLBuilder does)")
        }
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        guard !request.method.isEmpty, request.method.allSatisfy(tokenCharacters.contains) else {
            throw invalid("the method is not an HTTP token")
        }
        for (name, value) in request.headers {
            guard !name.isEmpty, name.allSatisfy(tokenCharacters.contains) else {
                throw invalid("header name \"\(name)\" is not an HTTP token")
            }
            // Only the header's name goes into the message: its value may be a credential.
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                throw invalid("the value of header \(name) contains a line break")
            }
        }
        return key
    }
}
