import Foundation
import HTTP
import Pipeline

/// Temporary credentials from a container endpoint: ECS task roles
/// (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, on 169.254.170.2) and EKS Pod Identity
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
///
/// The token file is read on every refresh, as the agent rotates it. Plain http is allowed only
/// to loopback and the link-local agent addresses, as in the SDKs: anything else could be
/// somebody else's server collecting tokens.
public struct ContainerCredentialsProvider: AWSCredentialProvider {
    /// Where the Authorization header's value comes from.
    public enum Authorization: Sendable, Equatable {
        case none
        case token(String)
        case tokenFile(String)
    }

    public var url: String
    public var authorization: Authorization
    public var http: HTTPClient

    public init(url: String, authorization: Authorization = .none, http: HTTPClient) {
        self.url = url
        self.authorization = authorization
        self.http = http
    }

    /// The ECS agent's address for relative URIs.
    static let relativeBase = "http://169.254.170.2"
    /// Hosts plain http may reach: loopback and the ECS / EKS agents.
    static let allowedHTTPHosts: Set<String> = [
        "localhost", "127.0.0.1", "[::1]", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
    ]

    /// The provider the environment configures, or nil and why not.
    static func fromEnvironment(_ environment: [String: String], http: HTTPClient) throws
        -> (provider: ContainerCredentialsProvider?, reason: String?)
    {
        let authorization: Authorization
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            authorization = .tokenFile(file)
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            authorization = .token(token)
        } else {
            authorization = .none
        }
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            return (ContainerCredentialsProvider(url: relativeBase + path, authorization: authorization, http: http), nil)
        }
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            let lowered = full.lowercased()
            if lowered.hasPrefix("http://") {
                let host = CredentialScope.origin(of: full).map(hostName) ?? ""
                let isLoopback = host.hasPrefix("127.")
                guard allowedHTTPHosts.contains(host) || isLoopback else {
                    throw AWSCredentialsError(
                        source: "container endpoint",
                        reason:
                            "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, or http to loopback or 169.254.170.2/23; got host \(host)"
                    )
                }
            } else if !lowered.hasPrefix("https://") {
                throw AWSCredentialsError(
                    source: "container endpoint", reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL")
            }
            return (ContainerCredentialsProvider(url: full, authorization: authorization, http: http), nil)
        }
        return (nil, "AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_CREDENTIALS_RELATIVE_URI not set")
    }

    /// `http://host:port` → `host`.
    private static func hostName(_ key: String) -> String {
        var rest = Substring(key)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") { return String(rest[...close]).lowercased() }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.lowercased()
    }

    public func credentials() async throws -> AWSCredentials {
        var headers: [(String, String)] = [("Accept", "application/json")]
        var secrets: [String] = []
        switch authorization {
        case .none: break
        case .token(let token):
            headers.append(("Authorization", token))
            secrets.append(token)
        case .tokenFile(let path):
            guard let token = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                !token.isEmpty
            else {
                throw AWSCredentialsError(source: "container endpoint", reason: "cannot read the token file \(path)")
            }
            headers.append(("Authorization", token))
            secrets.append(token)
        }
        var request = HTTPRequest(method: "GET", url: url, headers: headers, timeout: .seconds(5))
        request.retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(200), maxDelay: .seconds(1))
        let response = try await http.send(request)
        let json = try? JSONParser.parse(response.body)
        guard response.isSuccess else {
            var message = json?["message"]?.string ?? json?["Message"]?.string ?? ""
            for secret in secrets { message = message.replacingOccurrences(of: secret, with: "REDACTED") }
            throw AWSCredentialsError(
                source: "container endpoint",
                reason: "\(URLRedaction.redact(url)) answered HTTP \(response.status)"
                    + (message.isEmpty ? "" : ": \(AWSError.oneLine(message))"))
        }
        guard let json, let credentials = Self.decode(json) else {
            throw AWSCredentialsError(
                source: "container endpoint",
                reason: "\(URLRedaction.redact(url)) answered without AccessKeyId and SecretAccessKey")
        }
        return credentials
    }

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, the shape both the container
    /// endpoints and IMDS use.
    static func decode(_ json: JSON) -> AWSCredentials? {
        guard let id = json["AccessKeyId"]?.string, !id.isEmpty, let secret = json["SecretAccessKey"]?.string, !secret.isEmpty
        else { return nil }
        return AWSCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: json["Token"]?.string,
            expiration: json["Expiration"]?.string.flatMap(AWSDate.parseISO8601))
    }
}
