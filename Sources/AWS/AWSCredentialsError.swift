import HTTP
import Pipeline

/// Credentials could not be had: which source failed and why, or, when none was configured,
/// every source tried. Never holds a secret (token files are named, never read out).
public struct AWSCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source: `environment`, `web identity`, `container endpoint`, `IMDS`, or
    /// `credential chain` when nothing yielded credentials.
    public var source: String
    public var reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "AWS credentials (\(source)): \(reason)" }
}
