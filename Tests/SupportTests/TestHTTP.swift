import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A tiny GitHub API client for the tests: GET with headers, JSON decoding, and `Link`
/// following. Written with URLSession so the fake is exercised by a real HTTP stack.
struct TestHTTP {
    struct Response {
        var status: Int
        var http: HTTPURLResponse
        var data: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: data) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        func header(_ name: String) -> String? { http.value(forHTTPHeaderField: name) }
        /// The `Link` header as relation -> URL.
        var links: [String: String] { TestHTTP.parseLinks(header("link")) }
    }

    let session: URLSession
    var headers: [String: String]

    init(headers: [String: String] = [:]) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration)
        self.headers = headers
    }

    func get(_ url: String, headers extra: [String: String] = [:]) async throws -> Response {
        // `<`, `>` (created=>=...) and spaces are not valid in a URL: send them percent-encoded.
        let encoded = url.replacingOccurrences(of: ">", with: "%3E").replacingOccurrences(of: "<", with: "%3C")
            .replacingOccurrences(of: " ", with: "%20")
        var request = URLRequest(url: URL(string: encoded)!)
        for (name, value) in headers.merging(extra, uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        request.setValue("support-tests", forHTTPHeaderField: "User-Agent")
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Response(status: http.statusCode, http: http, data: data)
    }

    /// Every page of a listing, following `rel="next"`; `extract` picks the items of a page.
    func getAll(_ url: String, extract: (Response) -> [[String: Any]] = { $0.array }) async throws
        -> [[String: Any]]
    {
        var items: [[String: Any]] = []
        var next: String? = url
        while let current = next {
            let response = try await get(current)
            guard response.status == 200 else { throw StatusError(status: response.status, url: current) }
            items += extract(response)
            next = response.links["next"]
        }
        return items
    }

    struct StatusError: Error {
        var status: Int
        var url: String
    }

    static func parseLinks(_ header: String?) -> [String: String] {
        guard let header else { return [:] }
        var links: [String: String] = [:]
        for part in header.components(separatedBy: ", ") {
            let pieces = part.components(separatedBy: "; ")
            guard pieces.count == 2, pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">"),
                pieces[1].hasPrefix("rel=\"")
            else { continue }
            let url = String(pieces[0].dropFirst().dropLast())
            let rel = String(pieces[1].dropFirst(5).dropLast())
            links[rel] = url
        }
        return links
    }
}

/// Fixed clocks for the tests.
enum TestTime {
    /// Scenario "now" for most tests.
    static let now = date("2026-11-23T12:00:00Z")

    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }
}
