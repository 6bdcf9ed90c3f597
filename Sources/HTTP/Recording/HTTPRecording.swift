import Foundation
import Pipeline

/// The recording of a run's HTTP exchanges (`pipeline run --record DIR`), replayed by
/// `pipeline test`: `DIR/exchanges.jsonl`, one exchange a line, in the order the answers came.
///
///     {"method":"GET","url":"https://api.github.com/repos/o/r/pulls?state=open&per_page=100",
///      "request_body":null,"status":200,"headers":[["content-type","application/json"],["link","<…>; rel=\"next\""]],
///      "body":"[…]"}
///
/// A body that is not UTF-8 is kept as `body_base64` instead of `body`. No secret is written:
/// no request header at all (`Authorization`, `DD-API-KEY`, `X-Amz-Security-Token`, cookies, every
/// credential header: none is needed to replay), URLs without userinfo and with the values of
/// `token`/`key`/`signature`/`secret`/`password`/`credential` and `X-Amz-*` query parameters
/// replaced (`URLRedaction`), only the response headers in `keptResponseHeaders`, and every value
/// `SecretRedaction` knows (the run's `${secret:…}`s and credential-named variables) replaced by
/// `[secret]` in URLs, bodies and headers. Response bodies are otherwise kept as they came: an
/// API that echoed a credential it was not told about would have it written.
public enum HTTPRecording {
    /// The file of a recording directory.
    public static let fileName = "exchanges.jsonl"

    /// Response headers kept (lower case), and the prefixes of rate-limit and protocol headers kept.
    static let keptResponseHeaders: Set<String> = [
        "content-type", "link", "etag", "last-modified", "retry-after", "location",
    ]
    static let keptResponseHeaderPrefixes = ["x-ratelimit-", "ratelimit", "x-rate-limit-", "x-skypilot-", "x-github-sso"]

    /// One request and its answer, as written.
    public struct Exchange: Sendable, Equatable {
        public var method: String
        /// Redacted (`HTTPRecording.redact(url:)`).
        public var url: String
        public var requestBody: [UInt8]?
        public var status: Int
        public var headers: [[String]]
        public var body: [UInt8]

        public init(method: String, url: String, requestBody: [UInt8]?, status: Int, headers: [[String]], body: [UInt8]) {
            self.method = method
            self.url = url
            self.requestBody = requestBody
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// `request` and `response` with every secret removed.
        public init(request: HTTPRequest, response: HTTPResponse) {
            let scrub = SecretRedaction.shared
            self.method = request.method
            self.url = HTTPRecording.redact(url: request.url)
            self.requestBody = request.body.map { HTTPRecording.scrub($0) }
            self.status = response.status
            self.headers = response.headers.fields.compactMap { field in
                let name = field.name.lowercased()
                guard
                    HTTPRecording.keptResponseHeaders.contains(name)
                        || HTTPRecording.keptResponseHeaderPrefixes.contains(where: name.hasPrefix)
                else { return nil }
                return [name, scrub.redact(field.value)]
            }
            self.body = HTTPRecording.scrub(response.body)
        }

        /// What replay matches a request on: method, redacted URL, and the body of a request with one.
        public var key: String { HTTPRecording.key(method: method, url: url, body: requestBody) }

        /// `METHOD URL`, for messages.
        public var summary: String { "\(method) \(url)" }

        var json: JSON {
            var pairs: [(key: String, value: JSON)] = [
                ("method", .string(method)), ("url", .string(url)),
                ("request_body", requestBody.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null),
                ("status", .number(Double(status))), ("headers", .array(headers.map { .array($0.map(JSON.string)) })),
            ]
            if let text = String(validating: body, as: UTF8.self) {
                pairs.append(("body", .string(text)))
            } else {
                pairs.append(("body_base64", .string(Data(body).base64EncodedString())))
            }
            return .object(JSONObject(pairs))
        }

        init(json: JSON, line: Int) throws(HTTPRecordingError) {
            func fault(_ what: String) -> HTTPRecordingError { HTTPRecordingError("line \(line): \(what)") }
            guard let method = json["method"]?.string, let url = json["url"]?.string else {
                throw fault("an exchange needs \"method\" and \"url\"")
            }
            guard let status = json["status"]?.number, let code = Int(exactly: status) else {
                throw fault("an exchange needs a whole-number \"status\"")
            }
            var body: [UInt8] = []
            if let text = json["body"]?.string {
                body = Array(text.utf8)
            } else if let encoded = json["body_base64"]?.string {
                guard let data = Data(base64Encoded: encoded) else { throw fault("\"body_base64\" is not base64") }
                body = Array(data)
            }
            let headers = (json["headers"]?.array ?? []).compactMap { $0.array?.compactMap(\.string) }.filter {
                $0.count == 2
            }
            self.init(
                method: method, url: url, requestBody: json["request_body"]?.string.map { Array($0.utf8) }, status: code,
                headers: headers, body: body)
        }

        /// The recorded answer, as the client would have had it.
        func response() -> HTTPResponse {
            HTTPResponse(
                status: status, headers: HTTPHeaders(headers.map { (name: $0[0], value: $0[1]) }), body: body, url: url)
        }
    }

    /// `url` as it is written and matched: no userinfo; the values of credential-like and
    /// `X-Amz-*` query parameters replaced by `REDACTED`; known secret values by `[secret]`.
    public static func redact(url: String) -> String {
        var redacted = URLRedaction.redact(url)
        if let question = redacted.firstIndex(of: "?") {
            let head = redacted[...question]
            var query = Substring(redacted[redacted.index(after: question)...])
            var fragment: Substring = ""
            if let hash = query.firstIndex(of: "#") {
                fragment = query[hash...]
                query = query[..<hash]
            }
            let items = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
                guard let equals = item.firstIndex(of: "="), item[..<equals].lowercased().hasPrefix("x-amz-") else {
                    return String(item)
                }
                return item[...equals] + "REDACTED"
            }
            redacted = head + items.joined(separator: "&") + fragment
        }
        return SecretRedaction.shared.redact(redacted)
    }

    /// The key replay matches on.
    public static func key(method: String, url: String, body: [UInt8]?) -> String {
        guard let body, !body.isEmpty else { return "\(method) \(url)" }
        return "\(method) \(url)\n\(String(decoding: body, as: UTF8.self))"
    }

    /// `bytes` with every known secret value replaced, when it is text.
    static func scrub(_ bytes: [UInt8]) -> [UInt8] {
        guard let text = String(validating: bytes, as: UTF8.self) else { return bytes }
        let scrubbed = SecretRedaction.shared.redact(text)
        return scrubbed == text ? bytes : Array(scrubbed.utf8)
    }

    /// One exchange as its line of `exchanges.jsonl` (with the line break).
    public static func line(_ exchange: Exchange) -> String {
        var text = ""
        JSON.write(exchange.json, to: &text)
        return text + "\n"
    }

    /// The exchanges of the recording in `directory`, in order.
    public static func read(directory: String) throws(HTTPRecordingError) -> [Exchange] {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HTTPRecordingError("cannot read the recording \(path)")
        }
        var exchanges: [Exchange] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            let json: JSON
            do {
                json = try JSONParser.parse(Array(line))
            } catch {
                throw HTTPRecordingError("\(path): line \(index + 1): \(error)")
            }
            do {
                exchanges.append(try Exchange(json: json, line: index + 1))
            } catch {
                throw HTTPRecordingError("\(path): \(error.message)")
            }
        }
        return exchanges
    }
}

/// A recording that cannot be read or written.
public struct HTTPRecordingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
