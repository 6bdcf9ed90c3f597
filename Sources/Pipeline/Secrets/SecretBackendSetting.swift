/// Which backend `${secret:NAME}` reads, from `PIPELINE_SECRETS`:
///
/// - `env` (the default): environment variables (`github/dashboard-token` is `$GITHUB_DASHBOARD_TOKEN`);
/// - `dir:PATH`, or `dir` for `/var/run/secrets/pipeline`: files under a directory, as Kubernetes
///   mounts Secrets;
/// - `aws`: AWS Secrets Manager, with the region, endpoint and credentials of any AWS call.
public enum SecretBackendSetting: Equatable, Sendable {
    case environment
    case directory(String)
    case awsSecretsManager

    public static let defaultDirectory = "/var/run/secrets/pipeline"

    public struct Invalid: Error, CustomStringConvertible {
        public var value: String
        public var description: String {
            "PIPELINE_SECRETS=\"\(value)\" is not a secrets backend; use env, dir:/path/to/directory, or aws"
        }
    }

    public static func parse(_ value: String?) throws(Invalid) -> SecretBackendSetting {
        guard let value, !value.isEmpty else { return .environment }
        switch value {
        case "env": return .environment
        case "aws": return .awsSecretsManager
        case "dir": return .directory(defaultDirectory)
        default:
            guard value.hasPrefix("dir:"), value.count > 4 else { throw Invalid(value: value) }
            return .directory(String(value.dropFirst(4)))
        }
    }
}
