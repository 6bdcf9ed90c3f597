import HTTP
import Pipeline
import Sinks

/// Datadog's v1 API for dashboards and monitors: JSON in, JSON out, with the API key in
/// `DD-API-KEY` and the application key in `DD-APPLICATION-KEY`. Neither key is ever part of a
/// message: `HTTPClient` keeps header values out of its errors, and any answer that echoed one
/// has it masked.
public struct DatadogAPI: Sendable, CustomStringConvertible {
    public let endpoint: DatadogEndpoint
    public let http: HTTPClient
    private let apiKey: String
    private let applicationKey: String

    /// Datadog's rate-limit headers, as the sink reads them, with both keys as credentials.
    public static let rateLimits = RateLimitRules(
        remainingHeader: "x-ratelimit-remaining", resetHeader: "x-ratelimit-reset", resetFormat: .deltaSeconds,
        credentialHeaders: ["DD-API-KEY", "DD-APPLICATION-KEY"])

    public init(endpoint: DatadogEndpoint, apiKey: String, applicationKey: String, http: HTTPClient) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.applicationKey = applicationKey
        self.http = http.with { $0.rateLimits = Self.rateLimits }
    }

    public var description: String { "DatadogAPI(\(endpoint))" }

    /// `method path` with `body`; the parsed answer of a 2xx, else `DatadogAPIError`.
    public func call(_ method: String, _ path: String, body: JSON? = nil) async throws(DatadogAPIError) -> JSON {
        var headers = [("Accept", "application/json"), ("DD-API-KEY", apiKey), ("DD-APPLICATION-KEY", applicationKey)]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        var request = HTTPRequest(
            method: method, url: endpoint.baseURL + path, headers: headers, body: body.map { Array($0.jsonText.utf8) })
        if method == "POST" {
            // A POST creates: repeating one that Datadog may have carried out would make a second
            // dashboard or monitor. Only a refused connection or a 429 is tried again; the next
            // --apply finds whatever was created by its tag.
            var once = http.configuration.retry
            once.repeatsPossiblyDone = false
            request.retry = once
        }
        let shown = "\(method) \(URLRedaction.redact(endpoint.baseURL + path))"
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            throw DatadogAPIError(message: mask(error.description))  // it names the method and URL
        } catch {
            throw DatadogAPIError(message: mask("\(shown): \(error)"))
        }
        guard response.isSuccess else {
            var hint = ""
            if response.status == 401 || response.status == 403 {
                hint =
                    " (check DD_API_KEY, DD_APP_KEY and DD_SITE; the application key needs the dashboards_write "
                    + "and monitors_write permissions)"
            }
            throw DatadogAPIError(message: mask("\(shown): HTTP \(response.status): \(errorText(response))\(hint)"))
        }
        if response.body.isEmpty { return .null }
        do {
            return try JSONParser.parse(response.body)
        } catch {
            throw DatadogAPIError(message: "\(shown): the answer is not JSON")
        }
    }

    /// Datadog's `{"errors": […]}`, else the body, on one short line.
    func errorText(_ response: HTTPResponse) -> String {
        var text = response.text
        if case .object(let object)? = try? JSONParser.parse(response.body), let errors = object["errors"]?.array {
            text = errors.map { $0.string ?? $0.jsonText }.joined(separator: "; ")
        }
        text = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.count > 300 { text = String(text.prefix(299)) + "…" }
        return text.isEmpty ? "no error message" : text
    }

    func mask(_ text: String) -> String {
        var text = text
        for key in [apiKey, applicationKey] where key.count >= 4 { text = text.replacing(key, with: "***") }
        return text
    }
}

/// A Datadog API call that failed, in one line without keys.
public struct DatadogAPIError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
