import Pipeline

/// `PIPELINE_LOG_LEVEL=debug` shows one line per HTTP request: each attempt as it completes, and
/// each answer taken from the response cache without asking.
///
///     debug: http: GET https://api.github.com/repos/o/r/pulls?state=open&per_page=100&page=2: 200 in 184 ms
///     debug: http: GET https://api.github.com/repos/o/r/branches?per_page=1: 304 not modified in 41 ms; from the cache
///     debug: http: GET https://api.github.com/repos/o/r/commits/3f9a…: from the cache (it never changes: not asked)
///     debug: http: POST https://api.datadoghq.com/api/v2/series: connection refused after 2 ms (attempt 2 of 5)
///
/// The time runs from asking for one of the host's connection slots to the last byte. URLs are
/// redacted (`URLRedaction`); headers, where tokens go, are never shown.
extension HTTPClient {
    /// Logs one attempt of `request` that began at `start` (at debug level).
    func logAttempt(
        _ request: HTTPRequest, _ outcome: AttemptOutcome, attempt: Int, of maxAttempts: Int, since start: ContinuousClock.Instant
    ) {
        configuration.logger.debug(
            Self.attemptLine(request, outcome, attempt: attempt, of: maxAttempts, elapsed: ContinuousClock.now - start))
    }

    static func attemptLine(
        _ request: HTTPRequest, _ outcome: AttemptOutcome, attempt: Int, of maxAttempts: Int, elapsed: Duration
    ) -> String {
        let milliseconds = Int((TimeText.toSeconds(elapsed) * 1000).rounded())
        var line = "\(request.method) \(URLRedaction.redact(request.url)): "
        switch outcome {
        case .response(let response) where response.status == 304 && isConditional(request):
            line += "304 not modified in \(milliseconds) ms; from the cache"
        case .response(let response):
            line += "\(response.status) in \(milliseconds) ms"
        case .failure(let failure):
            line +=
                "\(HTTPError(failure.kind, method: request.method, url: request.url, attempts: attempt).summary) after \(milliseconds) ms"
        }
        if attempt > 1 { line += " (attempt \(attempt) of \(maxAttempts))" }
        return line
    }

    /// The line of an answer reused from the cache without a request (`ConditionalFetcher`).
    public static func cacheHitLine(_ request: HTTPRequest) -> String {
        "\(request.method) \(URLRedaction.redact(request.url)): from the cache (it never changes: not asked)"
    }

    private static func isConditional(_ request: HTTPRequest) -> Bool {
        request.headers.contains { name, _ in
            HTTPHeaders.namesMatch(name, "If-None-Match") || HTTPHeaders.namesMatch(name, "If-Modified-Since")
        }
    }
}
