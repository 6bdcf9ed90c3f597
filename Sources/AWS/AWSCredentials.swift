import Foundation
import HTTP
import Pipeline

/// One set of AWS credentials. Printing it shows the access key id only: the secret and the
/// session token must never reach a log line or an error message.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Present for temporary credentials (STS, containers, IMDS); sent as X-Amz-Security-Token.
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String {
        var line = "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: REDACTED"
        if sessionToken != nil { line += ", sessionToken: REDACTED" }
        if let expiration { line += ", expiration: \(AWSDate.iso8601(expiration))" }
        return line + ")"
    }

    /// The secret values, for scrubbing them out of text that came back from a server.
    var secrets: [String] { [secretAccessKey] + (sessionToken.map { [$0] } ?? []) }
}
