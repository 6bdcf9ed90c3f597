import Foundation

/// The engine's one HTTP client, shared by every stage of a run.
///
/// Built on libcurl's multi interface rather than URLSession to keep a run's peak RSS low
/// (see ENGINEERING.md). One dedicated thread drives all transfers (`CurlMultiLoop`);
/// connections are reused; at most `maxConcurrentPerHost` requests are in flight per host;
/// failures and rate limits are retried per `RetryPolicy`.
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
        /// The longest time to establish a connection.
        public var connectTimeout: Duration
        /// The total time for one attempt, from connecting to the last body byte
        /// (`CURLOPT_TIMEOUT_MS`); `HTTPRequest.timeout` overrides it.
        public var requestTimeout: Duration
        /// Responses with a larger (decoded) body fail with `.responseTooLarge`, protecting the
        /// run's memory budget from a runaway response.
        public var maxResponseBytes: Int
        public var retry: RetryPolicy
        /// Sleeps between attempts; tests inject one that records and returns at once.
        public var sleep: @Sendable (Duration) async throws -> Void
        /// The wall clock, for rate-limit resets; injectable for tests.
        public var now: @Sendable () -> Date
        /// Receives one warning per retry (method, redacted URL, reason, wait).
        public var logger: Logger

        public init(
            maxConcurrentPerHost: Int = 8,
            userAgent: String = "pipeline/1.0 (+libcurl)",
            connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration = .seconds(60),
            maxResponseBytes: Int = 64 << 20,
            retry: RetryPolicy = .default,
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
            now: @escaping @Sendable () -> Date = { Date() },
            logger: Logger = .fromEnvironment(label: "http")
        ) {
            self.maxConcurrentPerHost = maxConcurrentPerHost
            self.userAgent = userAgent
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxResponseBytes = maxResponseBytes
            self.retry = retry
            self.sleep = sleep
            self.now = now
            self.logger = logger
        }
    }

    public let configuration: Configuration
    private let loop: CurlMultiLoop
    private let limiter: HostLimiter
    /// The rate-limit budget of each host and credential, shared by every request of the run.
    let budget = RateLimitBudget()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.loop = CurlMultiLoop()
        self.limiter = HostLimiter(limit: configuration.maxConcurrentPerHost)
    }

    deinit { loop.shutdown() }

    /// Stops the client's thread; requests still running fail with `HTTPError.Kind.shutDown`.
    /// Call it when the run ends; `deinit` calls it too.
    public func shutdown() { loop.shutdown() }

    /// Sends `request`, retrying per the policy, and returns the response, whatever its status,
    /// unless the status is one that is retried (408, 429, 5xx) and kept failing (then it throws,
    /// or returns that last response if the policy's `returnsLastResponse` says so).
    ///
    /// Throws `HTTPError` (with a message that says what to do) or `CancellationError`.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let hostKey = try validate(request)
        let options = TransferOptions(
            userAgent: configuration.userAgent,
            connectTimeout: configuration.connectTimeout,
            timeout: request.timeout ?? configuration.requestTimeout,
            maxResponseBytes: configuration.maxResponseBytes)
        let policy = request.retry ?? configuration.retry
        var tracker = RetryTracker(policy: policy, method: request.method, url: request.url)
        let budgetKey = RateLimitBudget.key(host: hostKey, headers: request.headers)
        var pacingLogged = false
        while true {
            try Task.checkCancellation()
            let pause = budget.delay(for: budgetKey, now: configuration.now())
            if pause > .zero {
                let wait = min(pause, policy.maxRateLimitWait)
                if !pacingLogged, let window = budget.window(for: budgetKey) {
                    configuration.logger.warning(
                        "rate-limit budget low for \(hostKey) (\(window.remaining) of \(window.limit) left until "
                            + "\(HTTPDate.iso8601(window.reset))): spacing requests by \(HTTPDate.seconds(wait))")
                    pacingLogged = true
                }
                try await configuration.sleep(wait)
            }
            let started = ContinuousClock.now
            let outcome: AttemptOutcome
            do {
                let response = try await limiter.withPermit(for: hostKey) {
                    try await loop.perform(request, options: options)
                }
                budget.record(response, key: budgetKey)
                outcome = .response(response)
            } catch let failure as TransferFailure {
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
                        + "(attempt \(attempt) of \(policy.maxAttempts)); retrying in \(HTTPDate.seconds(delay))"
                )
                do {
                    try await configuration.sleep(delay)
                } catch let refusal as any RetryRefusal {
                    throw refusal.after(reason)
                }
            }
        }
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
