import Foundation
import HTTP
import Pipeline

/// Secrets from AWS Secrets Manager (`GetSecretValue`, the current version): the seed design
/// keeps every credential there (`github/dashboard-token`, `datadog/api-key`, …). A binary
/// secret is used as UTF-8 text.
public struct AWSSecretsManagerSecrets: SecretBackend {
    public var client: AWSClient

    public init(client: AWSClient) { self.client = client }

    public var description: String { "AWS Secrets Manager (\(client.region))" }

    public struct NotText: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "secret \"\(name)\" holds neither a SecretString nor UTF-8 SecretBinary" }
    }

    public func fetch(_ name: String) async throws -> String? {
        let answer: JSON
        do {
            answer = try await client.json(target: "secretsmanager.GetSecretValue", body: ["SecretId": .string(name)])
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            return nil
        }
        if let text = answer["SecretString"]?.string { return text }
        if let encoded = answer["SecretBinary"]?.string, let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8)
        {
            return text
        }
        throw NotText(name: name)
    }
}
