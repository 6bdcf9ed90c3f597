import Foundation
import HTTP
import Pipeline

/// AWS Signature Version 4 for headers (not presigned URLs), as every AWS service but S3 wants
/// it by default: checked byte for byte against AWS's published test suite and botocore.
///
///     let signer = SigV4Signer(service: "ec2", region: "eu-west-1")
///     let signed = signer.sign(request, payload: .bytes(body), date: Date(), credentials: keys)
public struct SigV4Signer: Sendable {
    /// What the signature says about the body.
    public enum Payload: Sendable {
        /// The body itself; its SHA-256 is signed.
        case bytes([UInt8])
        /// A SHA-256 already computed (64 lower-case hex digits).
        case hash(String)
        /// `UNSIGNED-PAYLOAD`, for services that accept an unsigned body.
        case unsigned
    }

    /// The signing name (`ec2`, `secretsmanager`, `sts`), the service part of the scope.
    public var service: String
    public var region: String
    /// Removes `.`/`..` segments and repeated slashes from the path before it is encoded (again):
    /// every service does this but S3.
    public var normalizesPath: Bool
    /// Adds and signs `x-amz-content-sha256` (S3 and a few others want it).
    public var signsContentHash: Bool
    /// Signs `X-Amz-Security-Token`; false adds it only after signing (a few services, IoT for one).
    public var signsSessionToken: Bool

    public init(
        service: String, region: String, normalizesPath: Bool = true, signsContentHash: Bool = false,
        signsSessionToken: Bool = true
    ) {
        self.service = service
        self.region = region
        self.normalizesPath = normalizesPath
        self.signsContentHash = signsContentHash
        self.signsSessionToken = signsSessionToken
    }

    /// Every intermediate of one signature, so tests can compare each step with a reference.
    public struct Signature: Sendable, CustomStringConvertible {
        public var canonicalRequest: String
        public var stringToSign: String
        /// The signature, 64 lower-case hex digits.
        public var signature: String
        /// The Authorization header's value.
        public var authorization: String
        /// The request's headers as they must be sent: the caller's, without any stale
        /// X-Amz-Date / Authorization, then X-Amz-Date, X-Amz-Security-Token,
        /// x-amz-content-sha256 and Authorization.
        public var headers: [(String, String)]

        /// The Authorization value only: the headers hold the session token.
        public var description: String { "SigV4Signature(\(authorization))" }
    }

    /// Headers never signed: hop-by-hop and tracing headers that proxies and clients add or
    /// change on the way (botocore leaves out the same ones).
    static let unsignedHeaders: Set<String> = [
        "authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "traceparent", "tracestate", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// Signs `request` and returns it with the signing headers added.
    public func sign(_ request: HTTPRequest, payload: Payload? = nil, date: Date, credentials: AWSCredentials) -> HTTPRequest {
        var signed = request
        signed.headers =
            signature(
                method: request.method, url: request.url, headers: request.headers,
                payload: payload ?? .bytes(request.body ?? []), date: date, credentials: credentials
            ).headers
        return signed
    }

    /// Signs a request given as its parts. `url` is absolute (`https://host/path?query`) or a
    /// request target (`/path?query`, then `headers` must carry `Host`). A `Host` header wins
    /// over the URL's authority; without one the URL's host (and non-default port) is signed,
    /// which is what curl sends.
    public func signature(
        method: String, url: String, headers: [(String, String)], payload: Payload, date: Date,
        credentials: AWSCredentials
    ) -> Signature {
        let amzDate = AWSDate.amzDate(date)
        let day = String(amzDate.prefix(8))
        let payloadHash: String
        switch payload {
        case .bytes(let bytes): payloadHash = SHA256.hex(bytes: SHA256.digest(bytes))
        case .hash(let hex): payloadHash = hex
        case .unsigned: payloadHash = "UNSIGNED-PAYLOAD"
        }

        let target = Self.splitTarget(url)
        var replaced: Set<String> = ["x-amz-date", "authorization"]
        if credentials.sessionToken != nil { replaced.insert("x-amz-security-token") }
        if signsContentHash { replaced.insert("x-amz-content-sha256") }
        var sent = headers.filter { !replaced.contains($0.0.lowercased()) }
        var signedInput = sent
        if !sent.contains(where: { $0.0.lowercased() == "host" }), let host = target.host {
            signedInput.append(("host", host))
        }
        sent.append(("X-Amz-Date", amzDate))
        signedInput.append(("x-amz-date", amzDate))
        if let token = credentials.sessionToken {
            sent.append(("X-Amz-Security-Token", token))
            if signsSessionToken { signedInput.append(("x-amz-security-token", token)) }
        }
        if signsContentHash {
            sent.append(("x-amz-content-sha256", payloadHash))
            signedInput.append(("x-amz-content-sha256", payloadHash))
        }

        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(signedInput)
        let canonicalRequest = [
            method.uppercased(),
            canonicalURI(target.path),
            Self.canonicalQuery(target.query),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(SHA256.hex(canonicalRequest))"
        var key = HMACSHA256.authenticate(day, key: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [region, service, "aws4_request"] { key = HMACSHA256.authenticate(part, key: key) }
        let signature = SHA256.hex(bytes: HMACSHA256.authenticate(stringToSign, key: key))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        sent.append(("Authorization", authorization))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            authorization: authorization, headers: sent)
    }

    // MARK: Canonical parts

    /// The path, normalised unless disabled, then percent-encoded once more (a `%` becomes
    /// `%25`: AWS signs the path as sent, encoded again).
    func canonicalURI(_ path: Substring) -> String {
        var path = String(path)
        if path.isEmpty { path = "/" }
        if normalizesPath { path = Self.removeDotSegments(path) }
        return Self.encode(Array(path.utf8), keepingSlash: true)
    }

    /// RFC 3986 §5.2.4, plus the removal of empty segments AWS wants; a trailing slash stays.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// Each parameter decoded and re-encoded the AWS way, then sorted by name and value.
    static func canonicalQuery(_ query: Substring?) -> String {
        guard let query, !query.isEmpty else { return "" }
        let items = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = encode(percentDecode(parts[0]), keepingSlash: false)
            let value = parts.count > 1 ? encode(percentDecode(parts[1]), keepingSlash: false) : ""
            return (name, value)
        }
        return items.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// `name:value` lines (names lower-cased and sorted, values trimmed with inner whitespace
    /// folded to one space, repeated names joined by commas in order) and the signed-header list.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (lines: String, signed: String) {
        var grouped: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            guard !unsignedHeaders.contains(lower) else { continue }
            let folded = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                .joined(separator: " ")
            grouped[lower, default: []].append(folded)
        }
        let names = grouped.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let lines = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    /// Percent-encodes every byte but RFC 3986's unreserved ones (and `/` when asked).
    static func encode(_ bytes: [UInt8], keepingSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepingSlash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%XX` decoded to bytes; `+` and malformed escapes are kept as they are.
    static func percentDecode(_ text: Substring) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    /// The host (with a non-default port), path and query of an absolute URL or a request target.
    static func splitTarget(_ url: String) -> (host: String?, path: Substring, query: Substring?) {
        var rest = Substring(url)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var host: String?
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            var hostPart = authority.lowercased()
            if let colon = hostPart.lastIndex(of: ":"), !hostPart[colon...].contains("]") {
                let port = hostPart[hostPart.index(after: colon)...]
                if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") || port.isEmpty {
                    hostPart = String(hostPart[..<colon])
                }
            }
            host = hostPart
            rest = rest[authorityEnd...]
        }
        guard let question = rest.firstIndex(of: "?") else { return (host, rest, nil) }
        return (host, rest[..<question], rest[rest.index(after: question)...])
    }
}
