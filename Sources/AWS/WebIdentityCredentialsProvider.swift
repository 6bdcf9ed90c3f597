import Foundation
import HTTP
import Pipeline

/// Temporary credentials for a role, from STS `AssumeRoleWithWebIdentity` with the token a
/// Kubernetes service account projects into a file (IRSA): `AWS_ROLE_ARN`,
/// `AWS_WEB_IDENTITY_TOKEN_FILE`, optional `AWS_ROLE_SESSION_NAME`.
///
/// The file is read on every refresh: the kubelet rotates the token, so a cached one expires.
/// The call is unsigned (the token is the proof) and goes to the STS endpoint resolved like any
/// service's (`AWS_ENDPOINT_URL_STS`).
public struct WebIdentityCredentialsProvider: AWSCredentialProvider {
    public var roleARN: String
    public var tokenFile: String
    public var sessionName: String
    /// The STS base URL.
    public var endpoint: String
    public var http: HTTPClient

    public init(roleARN: String, tokenFile: String, sessionName: String? = nil, endpoint: String, http: HTTPClient) {
        self.roleARN = roleARN
        self.tokenFile = tokenFile
        self.sessionName = sessionName ?? "pipeline-\(Int(Date().timeIntervalSince1970))"
        self.endpoint = endpoint
        self.http = http
    }

    /// The provider the environment configures, or nil (with the reason) when it does not.
    static func fromEnvironment(_ environment: [String: String], region: String, http: HTTPClient)
        -> (provider: WebIdentityCredentialsProvider?, reason: String?)
    {
        let role = environment["AWS_ROLE_ARN"] ?? ""
        let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"] ?? ""
        guard !role.isEmpty, !file.isEmpty else {
            return (nil, "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE not both set")
        }
        let session = environment["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 }
        let endpoint = AWSEndpoint.resolve(service: "sts", region: region, environment: environment).url
        return (
            WebIdentityCredentialsProvider(roleARN: role, tokenFile: file, sessionName: session, endpoint: endpoint, http: http),
            nil
        )
    }

    public func credentials() async throws -> AWSCredentials {
        let token: String
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw AWSCredentialsError(source: "web identity", reason: "cannot read the token file \(tokenFile)")
        }
        guard !token.isEmpty else {
            throw AWSCredentialsError(source: "web identity", reason: "the token file \(tokenFile) is empty")
        }
        let body = URLQuery.encode([
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ])
        var request = HTTPRequest(
            method: "POST", url: endpoint + "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "text/xml")],
            body: Array(body.utf8))
        var policy = http.configuration.retry
        policy.returnsLastResponse = true
        request.retry = policy
        let response = try await http.send(request)
        guard response.isSuccess else {
            throw AWSError.parse(service: "sts", response: response, redacting: [token])
        }
        guard let root = try? XMLDocument.parse(response.body),
            let result = root.descendant("Credentials"),
            let id = result.value("AccessKeyId"), let secret = result.value("SecretAccessKey")
        else {
            throw AWSCredentialsError(source: "web identity", reason: "STS answered without Credentials")
        }
        return AWSCredentials(
            accessKeyID: id.trimmingCharacters(in: .whitespacesAndNewlines),
            secretAccessKey: secret.trimmingCharacters(in: .whitespacesAndNewlines),
            sessionToken: result.value("SessionToken")?.trimmingCharacters(in: .whitespacesAndNewlines),
            expiration: result.value("Expiration").flatMap(AWSDate.parseISO8601))
    }
}
