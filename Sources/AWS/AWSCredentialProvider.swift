import HTTP
import Pipeline

/// Something that yields AWS credentials: fixed keys, the environment, STS, a container
/// endpoint or the instance metadata service. Small on purpose, so tests can pass their own.
public protocol AWSCredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

/// Fixed credentials, for tests and for callers that already hold keys.
public struct StaticCredentialsProvider: AWSCredentialProvider {
    public var value: AWSCredentials

    public init(_ credentials: AWSCredentials) { value = credentials }

    public func credentials() async throws -> AWSCredentials { value }
}
