import Pipeline

extension HTTPClient {
    /// Redirects followed per attempt before giving up.
    static let maxRedirects = 5

    /// One attempt, following redirects here rather than in curl: curl drops only `Authorization`
    /// and `Cookie` on a cross-host redirect, so a `DD-API-KEY` or any other credential header
    /// would follow a redirect anywhere. A redirect within the request's origin is followed with
    /// every header; one to another origin only when the request carries no credential
    /// (`CredentialScope`), and otherwise fails with `HTTPError.Kind.offOrigin`. Each hop holds
    /// a permit of its own host.
    /// `options` gives each hop's transfer options once it holds its permit (the time left
    /// before the run's deadline is what is left then).
    func performFollowingRedirects(
        _ request: HTTPRequest, activity: RunActivity.Waiting? = nil, options: (HTTPRequest) throws -> TransferOptions
    ) async throws -> HTTPResponse {
        var current = request
        for hop in 0...Self.maxRedirects {
            guard let hostKey = HostLimiter.key(for: current.url) else {
                throw HTTPError(
                    .invalidRequest("the URL must be absolute http:// or https://"), method: current.method, url: current.url)
            }
            activity?.phase("waiting for a connection slot to \(hostKey)")
            let response = try await limiter.withPermit(for: hostKey) {
                let hopOptions = try options(current)
                activity?.phase("in flight")
                guard let hook = configuration.exchangeHook else { return try await loop.perform(current, options: hopOptions) }
                let loop = self.loop
                return try await hook.exchange(current) { try await loop.perform($0, options: hopOptions) }
            }
            activity?.progressed()
            guard let next = try Self.redirect(current, answeredBy: response) else { return response }
            guard hop < Self.maxRedirects else {
                throw HTTPError(.transport("more than \(Self.maxRedirects) redirects"), method: request.method, url: request.url)
            }
            current = next
        }
        preconditionFailure("the loop returns or throws")
    }

    /// The request a redirect answer asks for, or nil when `response` is not a redirect.
    /// 303, and 301/302 after a POST, become a GET without a body (as browsers and curl do);
    /// 307 and 308 repeat the method and body.
    static func redirect(_ request: HTTPRequest, answeredBy response: HTTPResponse) throws(HTTPError) -> HTTPRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["location"],
            !location.isEmpty
        else { return nil }
        let target = LinkHeader.resolve(location, against: request.url)
        let lowered = target.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw HTTPError(
                .transport("redirected (\(response.status)) to a URL that is not http(s)"), method: request.method,
                url: request.url)
        }
        try CredentialScope.check(request, movingTo: target, how: "a \(response.status) redirect")
        var next = request
        next.url = target
        if response.status == 303 || (request.method == "POST" && response.status != 307 && response.status != 308) {
            if request.method != "HEAD" { next.method = "GET" }
            next.body = nil
            next.headers.removeAll {
                HTTPHeaders.namesMatch($0.0, "content-type") || HTTPHeaders.namesMatch($0.0, "content-encoding")
            }
        }
        return next
    }
}
