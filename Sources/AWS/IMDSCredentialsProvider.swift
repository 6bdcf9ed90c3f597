import Foundation
import HTTP
import Pipeline

/// The instance role's credentials from the EC2 instance metadata service, IMDSv2 only: a
/// session token from `PUT /latest/api/token`, then the role name and its credentials.
///
/// Tried last and fast: off EC2 the address does not answer, so each request gets one second
/// and one retry, not the client's minutes of patience.
public struct IMDSCredentialsProvider: AWSCredentialProvider {
    /// The metadata service's base URL (`AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides it).
    public var endpoint: String
    public var http: HTTPClient
    /// Each request's time limit.
    public var timeout: Duration

    public static let defaultEndpoint = "http://169.254.169.254"

    public init(endpoint: String = IMDSCredentialsProvider.defaultEndpoint, http: HTTPClient, timeout: Duration = .seconds(1)) {
        var base = Substring(endpoint)
        while base.hasSuffix("/") { base = base.dropLast() }
        self.endpoint = String(base)
        self.http = http
        self.timeout = timeout
    }

    /// The provider the environment allows, or nil and why not (`AWS_EC2_METADATA_DISABLED=true`).
    static func fromEnvironment(_ environment: [String: String], http: HTTPClient) -> (
        provider: IMDSCredentialsProvider?, reason: String?
    ) {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            return (nil, "disabled by AWS_EC2_METADATA_DISABLED=true")
        }
        let endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEndpoint
        return (IMDSCredentialsProvider(endpoint: endpoint, http: http), nil)
    }

    public func credentials() async throws -> AWSCredentials {
        let token = try await fetch("PUT", "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")])
        let auth = [("X-aws-ec2-metadata-token", token)]
        let roles = try await fetch("GET", "/latest/meta-data/iam/security-credentials/", headers: auth)
        guard
            let role = roles.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: {
                !$0.isEmpty
            })
        else {
            throw AWSCredentialsError(source: "IMDS", reason: "the instance has no IAM role attached")
        }
        let body = try await fetch(
            "GET", "/latest/meta-data/iam/security-credentials/\(URLQuery.percentEncode(role))", headers: auth)
        guard let json = try? JSONParser.parse(body) else {
            throw AWSCredentialsError(source: "IMDS", reason: "the credentials of role \(role) are not JSON")
        }
        if let code = json["Code"]?.string, code != "Success" {
            throw AWSCredentialsError(source: "IMDS", reason: "role \(role): \(code)")
        }
        guard let credentials = ContainerCredentialsProvider.decode(json) else {
            throw AWSCredentialsError(
                source: "IMDS", reason: "the credentials of role \(role) lack AccessKeyId or SecretAccessKey")
        }
        return credentials
    }

    /// One metadata request's body, or an error naming the path (never a header value).
    private func fetch(_ method: String, _ path: String, headers: [(String, String)]) async throws -> String {
        var request = HTTPRequest(method: method, url: endpoint + path, headers: headers, timeout: timeout)
        request.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(100), maxDelay: .milliseconds(200))
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            throw AWSCredentialsError(source: "IMDS", reason: error.description)
        }
        guard response.isSuccess else {
            throw AWSCredentialsError(source: "IMDS", reason: "\(method) \(endpoint)\(path) answered HTTP \(response.status)")
        }
        return response.text
    }
}
