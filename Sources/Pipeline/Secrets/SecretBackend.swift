/// Where `${secret:NAME}` values come from: one job, fetching a secret's whole value by name.
///
/// A backend answers nil for a secret it does not have, and throws only when it cannot tell
/// (a network fault, access denied). Neither answer nor error may contain a secret's value.
public protocol SecretBackend: Sendable {
    /// Names the backend in messages: "the environment", "AWS Secrets Manager (eu-west-1)".
    var description: String { get }
    func fetch(_ name: String) async throws -> String?
}
