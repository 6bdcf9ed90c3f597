import Foundation
import Moto
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// `AWSClient` against moto's server with signature checking on: real signed Query and JSON
/// calls succeed, and a wrong key is refused with a clear error that keeps the secret out.
@Suite(.serialized) struct AWSClientMotoTests {
    /// A client with real time (moto compares the signature, not the clock) and quiet logs.
    static func http() -> HTTPClient {
        HTTPClient(
            configuration: .init(
                userAgent: "pipeline-tests/1.0", retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(50)),
                logger: Logger(label: "moto-test", level: .error)))
    }

    @Test func callsSTSAndSecretsManagerWithSignedRequests() async throws {
        let http = Self.http()
        try await MotoServer.with(http: http) { moto in
            let identity = try await moto.client("sts", http: http)
                .query(action: "GetCallerIdentity", version: "2011-06-15", parameters: [])
            let result = try #require(identity.first("GetCallerIdentityResult"))
            #expect(result.value("Account") == moto.accountID)
            #expect(result.value("Arn") == "arn:aws:iam::\(moto.accountID):user/tester")

            let arn = try await moto.createSecret(name: "datadog/api-key", string: "dd-secret-value", http: http)
            #expect(arn.hasPrefix("arn:aws:secretsmanager:us-east-1:\(moto.accountID):secret:datadog/api-key"))
            let secrets = try moto.client("secretsmanager", http: http)
            let value = try await secrets.json(target: "secretsmanager.GetSecretValue", body: ["SecretId": "datadog/api-key"])
            #expect(value["SecretString"]?.string == "dd-secret-value")

            let ids = try await moto.runInstances(count: 2, tags: [("team", "data")], http: http)
            #expect(ids.count == 2)
            let described = try await moto.client("ec2", http: http)
                .query(
                    action: "DescribeInstances", version: "2016-11-15",
                    parameters: [("Filter.1.Name", "tag:team"), ("Filter.1.Value.1", "data")])
            let found = described.first("reservationSet")?.all("item").flatMap { $0.first("instancesSet")?.all("item") ?? [] }
            #expect(Set(found?.compactMap { $0.value("instanceId") } ?? []) == Set(ids))
        }
    }

    @Test func refusesAWrongSecretKeyWithAClearErrorThatHidesIt() async throws {
        let http = Self.http()
        let endpoint = try await MotoServer.with(http: http) { moto in
            let wrong = AWSCredentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "wrong-secret-abc123")
            let cases: [(service: String, code: String, call: @Sendable (AWSClient) async throws -> Void)] = [
                (
                    "sts", "SignatureDoesNotMatch",
                    { _ = try await $0.query(action: "GetCallerIdentity", version: "2011-06-15", parameters: []) }
                ),
                (
                    "secretsmanager", "SignatureDoesNotMatch",
                    { _ = try await $0.json(target: "secretsmanager.ListSecrets", body: [:]) }
                ),
                (
                    "ec2", "AuthFailure",
                    { _ = try await $0.query(action: "DescribeInstances", version: "2016-11-15", parameters: []) }
                ),
            ]
            for (service, code, call) in cases {
                do {
                    try await call(try moto.client(service, http: http, credentials: wrong))
                    Issue.record("\(service) accepted a wrong secret key")
                } catch let error as AWSError {
                    #expect(error.service == service)
                    #expect(error.code == code, "\(error)")
                    #expect((400...499).contains(error.status))
                    let line = error.description
                    #expect(line.hasPrefix("AWS \(service) error \(code) (HTTP \(error.status))"))
                    // moto sends x-amzn-RequestId with every error, as AWS does.
                    let requestID = try #require(error.requestID)
                    #expect(!requestID.isEmpty)
                    #expect(line.hasSuffix("; request id \(requestID)"))
                    #expect(!line.contains("wrong-secret-abc123"))
                    #expect(!line.contains(moto.credentials.secretAccessKey))
                    #expect(!line.contains("\n"))
                }
            }
            let unknown = AWSCredentials(accessKeyID: "AKIAUNKNOWN000000000", secretAccessKey: "whatever")
            await #expect {
                _ = try await moto.client("sts", http: http, credentials: unknown).query(
                    action: "GetCallerIdentity", version: "2011-06-15", parameters: [])
            } throws: { error in
                (error as? AWSError)?.code == "InvalidClientTokenId"
            }
            return moto.endpoint
        }
        // `with` stopped the server: nothing answers there any more.
        let probe = HTTPRequest(method: "GET", url: endpoint + "/moto-api/", timeout: .seconds(1), retry: RetryPolicy.none)
        await #expect(throws: HTTPError.self) { _ = try await http.send(probe) }
    }
}
