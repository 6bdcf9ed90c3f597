/// A router answer before the server adds its common headers (rate limit, ETag...).
struct RoutedResponse: Sendable {
    var status: Int
    let body: [UInt8]
    /// Endpoint-specific headers, e.g. `link`.
    var headers: [(String, String)] = []
    /// A weak validator of the body, computed once (bodies are cached and reused).
    let etag: String

    init(status: Int, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
        etag = "W/\"\(String(fnv1a(body), radix: 16))\""
    }

    static func json(_ value: some JSONRepresentable, status: Int = 200, link: String? = nil) -> RoutedResponse {
        RoutedResponse(status: status, body: JSONBody.encode(value), headers: link.map { [("link", $0)] } ?? [])
    }

    static func notFound() -> RoutedResponse {
        .json(GitHubRenderer.error("Not Found", status: 404), status: 404)
    }

    static func validationFailed(_ message: String) -> RoutedResponse {
        .json(
            GitHubRenderer.error(
                "Validation Failed: \(message)", status: 422,
                documentation: "https://docs.github.com/rest"),
            status: 422)
    }
}
