import HTTP
import Pipeline

/// Datadog's HTTP API as the sink uses it: submitting series and checking an API key.
///
/// Requests go through `HTTPClient`, which retries network errors, 408, 429 and 5xx with
/// backoff and full jitter and honours `Retry-After`; every other answer comes back here. The API
/// key travels only in the `DD-API-KEY` header: `HTTPClient` never logs or reports header values,
/// and any answer that echoed the key has it masked before it reaches a message.
public struct DatadogClient: Sendable, CustomStringConvertible, CustomReflectable {
    public let endpoint: DatadogEndpoint
    public let http: HTTPClient
    private let apiKey: String

    /// `http` with Datadog's rate limits (`rateLimits`) set; it shares `http`'s connections.
    public init(endpoint: DatadogEndpoint, apiKey: String, http: HTTPClient) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.http = http.configuration.rateLimits == Self.rateLimits ? http : http.with { $0.rateLimits = Self.rateLimits }
    }

    /// Datadog's rate limits (docs.datadoghq.com, "Rate limits"): `X-RateLimit-Remaining` and
    /// `X-RateLimit-Reset` in seconds from now, the key in `DD-API-KEY`. No limit header is
    /// stated, so the client does not pace submissions by a budget: a 429 waits for its reset.
    public static let rateLimits = RateLimitRules(
        remainingHeader: "x-ratelimit-remaining", resetHeader: "x-ratelimit-reset", resetFormat: .deltaSeconds,
        credentialHeaders: ["DD-API-KEY"])

    public var description: String { "DatadogClient(\(endpoint))" }
    public var customMirror: Mirror { Mirror(self, children: ["endpoint": endpoint]) }

    /// The answer to a submission, once `HTTPClient` is done retrying.
    public enum SubmitResult: Sendable, Equatable {
        /// 2xx (Datadog answers 202): the points are Datadog's.
        case accepted
        /// Any other status, with Datadog's `errors` joined into one line.
        case rejected(status: Int, message: String)
    }

    /// `POST {base}/api/v2/series` with `body`, already compressed with `compression`.
    ///
    /// Throws `HTTPError` when retries did not help (the connection kept failing, 5xx, a rate
    /// limit longer than the policy waits), and whatever the client's sleep throws.
    public func submit(body: [UInt8], compression: DatadogCompression, timeout: Duration? = nil) async throws
        -> SubmitResult
    {
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json"), ("DD-API-KEY", apiKey)]
        if let encoding = compression.contentEncoding { headers.append(("Content-Encoding", encoding)) }
        let request = HTTPRequest(
            method: "POST", url: endpoint.seriesURL, headers: headers, body: body, timeout: timeout)
        let response = try await http.send(request)
        if response.isSuccess { return .accepted }
        return .rejected(status: response.status, message: message(from: response))
    }

    /// What `GET {base}/api/v1/validate` says about the key.
    public enum KeyValidation: Sendable, Equatable {
        /// Datadog accepts the key (200, `{"valid": true}`).
        case ok
        /// Datadog rejects it (403): the message says what to check.
        case invalid(String)
        /// No verdict: the site is unreachable, or it answered something else.
        case error(String)
    }

    /// Checks the key against the endpoint's site: `pipeline check-datadog`.
    public func validateKey() async -> KeyValidation {
        guard !apiKey.isEmpty else { return .invalid("no Datadog API key: set DD_API_KEY") }
        return await probe(
            endpoint.validateURL, headers: [("DD-API-KEY", apiKey)], secrets: [apiKey],
            rejected: Self.keyRejected(status:)
        ) { object in object["valid"]?.bool != false }
    }

    /// Checks an application key with this API key (`GET {base}/api/v2/validate_keys`): what the
    /// metric-metadata, dashboards and monitors APIs need besides the API key. Call it after
    /// `validateKey()` succeeded, so that a refusal is the application key's.
    public func validateApplicationKey(_ applicationKey: String) async -> KeyValidation {
        guard !applicationKey.isEmpty else { return .invalid("no Datadog application key: set DD_APP_KEY") }
        return await probe(
            endpoint.validateKeysURL, headers: [("DD-API-KEY", apiKey), ("DD-APPLICATION-KEY", applicationKey)],
            secrets: [apiKey, applicationKey],
            rejected: { status in
                "Datadog rejected the application key (\(status)): check DD_APP_KEY (an application key of the same organisation as DD_API_KEY)"
            }
        ) { object in object["status"]?.string == "ok" }
    }

    /// One GET whose 2xx answer `accepts` judges; 401 and 403 are `rejected`.
    private func probe(
        _ url: String, headers: [(String, String)], secrets: [String], rejected: (Int) -> String,
        accepts: (JSONObject) -> Bool
    ) async -> KeyValidation {
        let request = HTTPRequest.get(url, headers: [("Accept", "application/json")] + headers)
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            return .error(mask(error.description, secrets))
        } catch {
            return .error(mask("GET \(URLRedaction.redact(url)): \(error)", secrets))
        }
        switch response.status {
        case 200..<300:
            if case .object(let object)? = try? JSONParser.parse(response.body), !accepts(object) {
                return .invalid(rejected(response.status))
            }
            return .ok
        case 401, 403:
            return .invalid(rejected(response.status))
        default:
            return .error(
                mask(
                    "GET \(URLRedaction.redact(url)): \(HTTPStatusPhraseText.describe(response.status))"
                        + ": \(message(from: response))", secrets))
        }
    }

    /// The message for a key Datadog refuses.
    static func keyRejected(status: Int) -> String {
        "Datadog rejected the API key (\(status)): check DD_API_KEY and DD_SITE"
    }

    /// Datadog's error body is `{"errors": ["…", …]}`; anything else is quoted (shortened).
    func message(from response: HTTPResponse) -> String {
        var text: String
        if case .object(let object)? = try? JSONParser.parse(response.body), let errors = object["errors"]?.array {
            text = errors.map { $0.string ?? $0.jsonText }.joined(separator: "; ")
        } else if case .object(let object)? = try? JSONParser.parse(response.body),
            let message = object["message"]?.string
        {
            text = message
        } else {
            text = response.text
        }
        text = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.count > 300 { text = String(text.prefix(299)) + "…" }
        if text.isEmpty { text = "no error message" }
        return mask(text)
    }

    /// `text` with the API key masked, should an answer ever echo it.
    func mask(_ text: String) -> String { mask(text, [apiKey]) }

    /// `text` with each of `secrets` (four characters or more) replaced by `***`.
    func mask(_ text: String, _ secrets: [String]) -> String {
        secrets.reduce(text) { text, secret in
            secret.count >= 4 && text.contains(secret) ? text.replacing(secret, with: "***") : text
        }
    }
}

/// Status lines for messages: `403 Forbidden`.
enum HTTPStatusPhraseText {
    static func describe(_ status: Int) -> String {
        let phrases: [Int: String] = [
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            408: "Request Timeout", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        return phrases[status].map { "\(status) \($0)" } ?? "HTTP \(status)"
    }
}
