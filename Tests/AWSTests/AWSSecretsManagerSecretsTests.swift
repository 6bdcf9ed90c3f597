import Foundation
import Moto
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

@Suite("AWS Secrets Manager secrets")
struct AWSSecretsManagerSecretsTests {
    static func client() -> HTTPClient {
        HTTPClient(configuration: .init(requestTimeout: .seconds(30), logger: Logger(level: .error)))
    }

    @Test("secrets resolve by name and #key; a missing one is nil; each name is asked once")
    func resolveAgainstMoto() async throws {
        let http = Self.client()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            try await moto.createSecret(name: "github/dashboard-token", string: "ghp_fromSecretsManager01", http: http)
            try await moto.createSecret(
                name: "datadog/keys", string: #"{"api_key": "dd-api-0123", "app_key": "dd-app-4567"}"#, http: http)
            let backend = AWSSecretsManagerSecrets(client: try moto.client("secretsmanager", http: http))
            #expect(backend.description == "AWS Secrets Manager (us-east-1)")
            let references: Set<SecretReference> = [
                SecretReference("github/dashboard-token")!, SecretReference("datadog/keys#api_key")!,
                SecretReference("datadog/keys#app_key")!, SecretReference("nope/missing")!,
            ]
            let secrets = await SecretValues.fetch(references, from: backend)
            #expect(secrets.values[SecretReference("github/dashboard-token")!] == "ghp_fromSecretsManager01")
            #expect(secrets.values[SecretReference("datadog/keys#api_key")!] == "dd-api-0123")
            #expect(secrets.values[SecretReference("datadog/keys#app_key")!] == "dd-app-4567")
            #expect(
                secrets.failures[SecretReference("nope/missing")!]
                    == "secret \"nope/missing\" was not found in AWS Secrets Manager (us-east-1)")
        }
    }

    @Test("a wrong key is a failure naming the secret, AWS's code and the request id, and no secret")
    func wrongKey() async throws {
        let http = Self.client()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            try await moto.createSecret(name: "db/password", string: "hunter2hunter2", http: http)
            let wrong = AWSCredentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "WRONGwrongWRONGwrong")
            let backend = AWSSecretsManagerSecrets(client: try moto.client("secretsmanager", http: http, credentials: wrong))
            let secrets = await SecretValues.fetch([SecretReference("db/password")!], from: backend)
            let failure = try #require(secrets.failures[SecretReference("db/password")!])
            #expect(
                failure.hasPrefix(
                    "secret \"db/password\" could not be read from AWS Secrets Manager (us-east-1): AWS secretsmanager error"),
                "\(failure)")
            #expect(failure.contains("request id"))
            #expect(!failure.contains("hunter2") && !failure.contains("WRONGwrong"))
        }
    }
}
