/// A router answer before the server adds its common headers (rate limit, ETag...).
struct RoutedResponse: Sendable {
    var status: Int
    var body: [UInt8]
    /// Endpoint-specific headers, e.g. `link`.
    var headers: [(String, String)] = []

    static func json(_ value: Any, status: Int = 200, link: String? = nil) -> RoutedResponse {
        RoutedResponse(status: status, body: JSONBody.encode(value), headers: link.map { [("link", $0)] } ?? [])
    }

    static func notFound() -> RoutedResponse {
        .json(GitHubRenderer.error("Not Found", status: 404), status: 404)
    }

    static func validationFailed(_ message: String) -> RoutedResponse {
        .json(
            GitHubRenderer.error("Validation Failed: \(message)", status: 422,
                                 documentation: "https://docs.github.com/rest"),
            status: 422)
    }
}
