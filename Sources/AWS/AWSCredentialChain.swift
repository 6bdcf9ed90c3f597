import HTTP
import Pipeline

/// The AWS SDKs' default credential sources, in their order: environment keys, web identity,
/// a container endpoint, IMDS.
///
/// The first configured source is used; if it fails, its error is the answer (falling through
/// to another role would hide the mistake). IMDS is tried only when nothing else is configured,
/// and if it fails too, the error lists every source and why it did not apply.
public struct AWSCredentialChain: AWSCredentialProvider {
    /// One source: its provider if the environment configures it, else why not.
    public struct Link: Sendable {
        public var name: String
        public var provider: (any AWSCredentialProvider)?
        public var unavailableReason: String?

        public init(name: String, provider: (any AWSCredentialProvider)?, unavailableReason: String? = nil) {
            self.name = name
            self.provider = provider
            self.unavailableReason = unavailableReason
        }
    }

    public var links: [Link]

    public init(links: [Link]) { self.links = links }

    /// The standard chain as `environment` configures it; STS calls go to `region`'s endpoint.
    public static func standard(environment: [String: String], http: HTTPClient, region: String) throws -> AWSCredentialChain {
        let envReason = EnvironmentCredentialsProvider.unavailableReason(environment)
        let web = WebIdentityCredentialsProvider.fromEnvironment(environment, region: region, http: http)
        let container = try ContainerCredentialsProvider.fromEnvironment(environment, http: http)
        let imds = IMDSCredentialsProvider.fromEnvironment(environment, http: http)
        return AWSCredentialChain(links: [
            Link(
                name: "environment", provider: envReason == nil ? EnvironmentCredentialsProvider(environment: environment) : nil,
                unavailableReason: envReason),
            Link(name: "web identity", provider: web.provider, unavailableReason: web.reason),
            Link(name: "container endpoint", provider: container.provider, unavailableReason: container.reason),
            Link(name: "IMDS", provider: imds.provider, unavailableReason: imds.reason),
        ])
    }

    public func credentials() async throws -> AWSCredentials {
        var tried: [String] = []
        for (index, link) in links.enumerated() {
            guard let provider = link.provider else {
                tried.append("\(link.name): \(link.unavailableReason ?? "not configured")")
                continue
            }
            do {
                return try await provider.credentials()
            } catch let error as CancellationError {
                throw error
            } catch {
                // A configured source that fails is the answer, unless it is the last resort.
                guard index == links.count - 1 else { throw error }
                tried.append("\(link.name): \(error)")
            }
        }
        throw AWSCredentialsError(source: "credential chain", reason: "none found; tried " + tried.joined(separator: "; "))
    }
}
