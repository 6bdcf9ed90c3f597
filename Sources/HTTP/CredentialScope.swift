import Pipeline

/// Credentials go only to the origin (`scheme://host:port`) a request was configured for: never
/// along a redirect or a pagination link to another one.
///
/// Which headers are credentials is not guessed from their names (`DD-API-KEY`, `X-Api-Key`,
/// `Circle-Token`, a signed `Authorization`, a `Cookie` all look different): every header a
/// stage sets is treated as one, except a short list of headers that are plainly not
/// (`Accept`, `Content-Type`, …). A request that carries any other header may move only within
/// its origin; one that carries none may go anywhere.
public enum CredentialScope {
    /// Request headers that carry no credential (lower-case).
    static let harmlessHeaders: Set<String> = [
        "accept", "accept-encoding", "accept-language", "content-type", "content-encoding", "user-agent",
        "x-github-api-version", "if-none-match", "if-modified-since", "expect",
    ]

    /// The names of the request's headers that may carry a credential, in order.
    public static func credentialHeaders(of request: HTTPRequest) -> [String] {
        request.headers.map(\.0).filter { !harmlessHeaders.contains($0.lowercased()) }
    }

    /// `scheme://host:port` of a URL, lower-case, default port filled in.
    public static func origin(of url: String) -> String? { HostLimiter.key(for: url) }

    /// Throws when `request` would carry credentials from its own origin to `destination`'s.
    /// `how` says what named the destination, for the message (`a 302 redirect`, `a next link`).
    public static func check(_ request: HTTPRequest, movingTo destination: String, how: String) throws(HTTPError) {
        let from = origin(of: request.url)
        let to = origin(of: destination)
        guard from != to || from == nil else { return }
        let credentials = credentialHeaders(of: request)
        guard !credentials.isEmpty else { return }
        throw HTTPError(
            .offOrigin(to: to ?? URLRedaction.redact(destination), how: how, headers: credentials),
            method: request.method, url: request.url, attempts: 0)
    }
}
