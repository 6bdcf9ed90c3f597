/// Secrets from environment variables: `github/dashboard-token` is `$GITHUB_DASHBOARD_TOKEN`
/// (upper-cased, every character but letters and digits turned into `_`). For local runs, and
/// for a Kubernetes Secret passed as environment variables.
public struct EnvironmentSecrets: SecretBackend {
    public var environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    public var description: String { "the environment" }

    public func fetch(_ name: String) async throws -> String? {
        environment[Self.variable(for: name)]
    }

    public static func variable(for name: String) -> String {
        String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }
}
