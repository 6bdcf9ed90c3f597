import HTTP
import Pipeline

/// Long-term or temporary keys from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`: the first source the SDKs try.
public struct EnvironmentCredentialsProvider: AWSCredentialProvider {
    public var environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    /// Why this source does not apply, or nil when both keys are set.
    public static func unavailableReason(_ environment: [String: String]) -> String? {
        let id = environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        switch (id.isEmpty, secret.isEmpty) {
        case (false, false): return nil
        case (true, true): return "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set"
        case (true, false): return "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
        case (false, true): return "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
        }
    }

    public func credentials() async throws -> AWSCredentials {
        if let reason = Self.unavailableReason(environment) {
            throw AWSCredentialsError(source: "environment", reason: reason)
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(
            accessKeyID: environment["AWS_ACCESS_KEY_ID"]!, secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"]!,
            sessionToken: token)
    }
}
