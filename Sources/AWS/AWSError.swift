import Foundation
import HTTP
import Pipeline

/// An error answer from an AWS service, as one line naming the service, the code, the message
/// and the request id (what AWS support asks for).
///
/// Parsed from the XML of the Query protocol (`<Response><Errors><Error>` from EC2,
/// `<ErrorResponse><Error>` from STS) and from the JSON of the JSON protocol (`__type`/`code`,
/// `message`/`Message`, the `x-amzn-RequestId` header). Never holds credentials: the client
/// scrubs its own secrets out of the message before it is stored.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// The service's name as the caller gave it (`ec2`, `secretsmanager`, `sts`).
    public var service: String
    /// AWS's error code: `InvalidClientTokenId`, `ResourceNotFoundException`, `Throttling`, …
    public var code: String
    public var message: String
    public var requestID: String?
    /// The HTTP status of the answer.
    public var status: Int
    /// How many attempts were made, when the client retried a throttled call.
    public var attempts: Int

    public init(service: String, code: String, message: String, requestID: String? = nil, status: Int, attempts: Int = 1) {
        self.service = service
        self.code = code
        self.message = message
        self.requestID = requestID
        self.status = status
        self.attempts = attempts
    }

    public var description: String {
        var line = "AWS \(service) error \(code) (HTTP \(status))"
        if !message.isEmpty { line += ": \(message)" }
        line += "; request id \(requestID ?? "none")"
        if attempts > 1 { line += "; gave up after \(attempts) attempts" }
        return line
    }

    /// Codes AWS uses to ask callers to slow down.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "SlowDown",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "EC2ThrottledException",
        "PriorRequestNotComplete", "BandwidthLimitExceeded", "LimitExceededException",
    ]

    /// True for an answer that means "slow down", which is worth retrying after a pause.
    public var isThrottling: Bool { Self.throttlingCodes.contains(code) }

    /// The error in a non-2xx `response`, whatever its format; `secrets` are replaced by
    /// `REDACTED` wherever they appear in the message.
    static func parse(service: String, response: HTTPResponse, redacting secrets: [String] = []) -> AWSError {
        var code: String?
        var message: String?
        var requestID = response.headers["x-amzn-RequestId"] ?? response.headers["x-amz-request-id"]
        let body = response.body
        let firstByte = body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if firstByte == UInt8(ascii: "<"), let root = try? XMLDocument.parse(body) {
            let error = root.descendant("Error")
            code = error?.value("Code")
            message = error?.value("Message")
            requestID = requestID ?? root.value("RequestID") ?? root.value("RequestId") ?? error?.value("RequestId")
        } else if firstByte == UInt8(ascii: "{"), let json = try? JSONParser.parse(body) {
            code = json["__type"]?.string ?? json["code"]?.string ?? json["Code"]?.string
            message = json["message"]?.string ?? json["Message"]?.string ?? json["errorMessage"]?.string
        }
        if code == nil, let header = response.headers["x-amzn-ErrorType"] { code = header }
        var finalCode = code.map(Self.shortCode) ?? ""
        if finalCode.isEmpty { finalCode = fallbackCode(response.status) }
        var text = oneLine(message ?? (code == nil ? String(decoding: body.prefix(200), as: UTF8.self) : ""))
        for secret in secrets where !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "REDACTED") }
        return AWSError(
            service: service, code: finalCode, message: text, requestID: requestID.map(oneLine), status: response.status)
    }

    /// `aws.protocoltests#ResourceNotFoundException:http://…` → `ResourceNotFoundException`.
    static func shortCode(_ raw: String) -> String {
        var code = Substring(raw)
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        return code.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func fallbackCode(_ status: Int) -> String {
        switch status {
        case 429: "TooManyRequestsException"
        default: "HTTP\(status)"
        }
    }

    /// Line breaks folded to spaces, at most 300 characters.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return line.count <= 300 ? line : String(line.prefix(299)) + "…"
    }
}
