import HTTP
import Pipeline

/// The AWS set-up is incomplete or wrong (no region, a bad endpoint), found before any request
/// is sent; the message says which variable to set.
public struct AWSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
