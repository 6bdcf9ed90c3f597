import Pipeline

/// Takes the place of, or wraps, one HTTP exchange: a single request and its answer (one hop of
/// a redirect chain), made after the client has its per-host permit and has paced the request by
/// its rate-limit budget. Retries, pagination, rate limits and redirects stay the client's.
///
/// `perform` makes the exchange with libcurl; a hook that records calls it, one that replays
/// answers from elsewhere and never calls it. Set one on `HTTPClient.Configuration.exchangeHook`;
/// without one the client performs every exchange with libcurl directly.
public protocol HTTPExchangeHook: Sendable {
    func exchange(
        _ request: HTTPRequest, perform: @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) async throws -> HTTPResponse
}
