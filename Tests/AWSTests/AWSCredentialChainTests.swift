import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// A temporary file with `contents`, removed by the caller.
func temporaryFile(_ contents: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("aws-test-\(UUID().uuidString)").path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// What the standard chain answered: credentials, or its error as text.
struct ChainOutcome {
    var value: AWSCredentials?
    var error: String?
}

func chainResult(_ environment: [String: String], http: HTTPClient = makeClient()) async -> ChainOutcome {
    do {
        let chain = try AWSCredentialChain.standard(environment: environment, http: http, region: "eu-west-1")
        return ChainOutcome(value: try await chain.credentials())
    } catch {
        return ChainOutcome(error: "\(error)")
    }
}

struct AWSCredentialChainTests {
    /// The chain never reaches for the real instance metadata service in tests.
    static let noIMDS = ["AWS_EC2_METADATA_DISABLED": "true"]

    @Test func takesKeysFromTheEnvironmentFirst() async throws {
        let result = await chainResult(
            Self.noIMDS.merging(
                [
                    "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
                    "AWS_ROLE_ARN": "arn:aws:iam::1:role/x", "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent",
                ], uniquingKeysWith: { $1 }))
        #expect(result.value == AWSCredentials(accessKeyID: "AKIDENV", secretAccessKey: "env-secret", sessionToken: "env-token"))
    }

    @Test func listsEverySourceTriedWhenNoneYieldsCredentials() async {
        let result = await chainResult(Self.noIMDS.merging(["AWS_ACCESS_KEY_ID": "AKIDONLY"], uniquingKeysWith: { $1 }))
        #expect(
            result.error
                == "AWS credentials (credential chain): none found; tried environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; "
                + "web identity: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE not both set; "
                + "container endpoint: AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_CREDENTIALS_RELATIVE_URI not set; "
                + "IMDS: disabled by AWS_EC2_METADATA_DISABLED=true")
    }

    @Test func assumesTheRoleWithTheWebIdentityTokenReadAtEachRefresh() async throws {
        let seen = Shared<[HTTPRequestHead]>([])
        let sts = try LoopbackServer { head in
            seen.update { $0.append(head) }
            let n = seen.value.count
            return LoopbackResponse(
                status: 200, headers: [("Content-Type", "text/xml")],
                body: Array(
                    """
                    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <AssumeRoleWithWebIdentityResult>
                        <Credentials>
                          <SessionToken>sts-session-\(n)</SessionToken>
                          <SecretAccessKey>sts-secret-\(n)</SecretAccessKey>
                          <Expiration>\(AWSDate.iso8601(Date().addingTimeInterval(240)))</Expiration>
                          <AccessKeyId>ASIASTS\(n)</AccessKeyId>
                        </Credentials>
                      </AssumeRoleWithWebIdentityResult>
                    </AssumeRoleWithWebIdentityResponse>
                    """.utf8))
        }
        let tokenFile = try temporaryFile("jwt-one\n")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let env = Self.noIMDS.merging(
            [
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/pipeline", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                "AWS_ROLE_SESSION_NAME": "collector", "AWS_ENDPOINT_URL_STS": sts.baseURL,
            ], uniquingKeysWith: { $1 })
        let chain = try AWSCredentialChain.standard(environment: env, http: makeClient(), region: "eu-west-1")
        // The credentials expire in 4 minutes, inside the 5-minute window: every call refreshes.
        let cache = AWSCredentialCache(chain)
        let first = try await cache.credentials()
        #expect(
            first
                == AWSCredentials(
                    accessKeyID: "ASIASTS1", secretAccessKey: "sts-secret-1", sessionToken: "sts-session-1",
                    expiration: first.expiration))
        #expect(first.expiration != nil)
        try "jwt-two".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let second = try await cache.credentials()
        #expect(second.accessKeyID == "ASIASTS2")

        let heads = seen.value
        #expect(heads.count == 2)
        let forms = heads.map { HTTPRequestHead.decodeQuery(String(decoding: $0.body, as: UTF8.self)) }
        #expect(forms[0]["Action"] == "AssumeRoleWithWebIdentity")
        #expect(forms[0]["Version"] == "2011-06-15")
        #expect(forms[0]["RoleArn"] == "arn:aws:iam::123456789012:role/pipeline")
        #expect(forms[0]["RoleSessionName"] == "collector")
        #expect(forms.map { $0["WebIdentityToken"] } == ["jwt-one", "jwt-two"])
        #expect(heads[0].headers["authorization"] == nil)
    }

    @Test func reportsSTSErrorsWithoutTheToken() async throws {
        let sts = try LoopbackServer { _ in
            LoopbackResponse(
                status: 400,
                body: Array(
                    "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Bad token secret-jwt</Message></Error><RequestId>sts-req</RequestId></ErrorResponse>"
                        .utf8))
        }
        let tokenFile = try temporaryFile("secret-jwt")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let result = await chainResult(
            Self.noIMDS.merging(
                [
                    "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                    "AWS_ENDPOINT_URL": sts.baseURL,
                ],
                uniquingKeysWith: { $1 }))
        #expect(result.error == "AWS sts error InvalidIdentityToken (HTTP 400): Bad token REDACTED; request id sts-req")
        let missing = await chainResult(
            Self.noIMDS.merging(
                ["AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token"],
                uniquingKeysWith: { $1 }))
        #expect(missing.error == "AWS credentials (web identity): cannot read the token file /nonexistent/token")
    }

    @Test func fetchesContainerCredentialsWithTheAuthorizationToken() async throws {
        let seen = Shared<[HTTPRequestHead]>([])
        let agent = try LoopbackServer { head in
            seen.update { $0.append(head) }
            return .json(
                #"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret","Token":"container-token","Expiration":"2030-01-01T00:00:00Z"}"#
            )
        }
        let tokenFile = try temporaryFile("pod-identity-token\n")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let fromFile = await chainResult(
            Self.noIMDS.merging(
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.baseURL + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored",
                ], uniquingKeysWith: { $1 }))
        #expect(
            fromFile.value
                == AWSCredentials(
                    accessKeyID: "ASIACONTAINER", secretAccessKey: "container-secret", sessionToken: "container-token",
                    expiration: Date(timeIntervalSince1970: 1_893_456_000)))
        let inline = await chainResult(
            Self.noIMDS.merging(
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.baseURL + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "inline-token",
                ],
                uniquingKeysWith: { $1 }))
        #expect(inline.value?.accessKeyID == "ASIACONTAINER")
        #expect(seen.value.map(\.path) == ["/v1/credentials", "/v1/credentials"])
        #expect(seen.value.map { $0.headers["authorization"] } == ["pod-identity-token", "inline-token"])
    }

    @Test func reportsContainerEndpointFailuresWithoutTheToken() async throws {
        let agent = try LoopbackServer { _ in .json(#"{"message":"token inline-token is not valid"}"#, status: 401) }
        let result = await chainResult(
            Self.noIMDS.merging(
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.baseURL + "/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "inline-token",
                ],
                uniquingKeysWith: { $1 }))
        #expect(
            result.error
                == "AWS credentials (container endpoint): \(agent.baseURL)/creds answered HTTP 401: token REDACTED is not valid")
    }

    @Test func refusesPlainHTTPContainerEndpointsOffLoopback() async throws {
        let result = await chainResult(
            Self.noIMDS.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"], uniquingKeysWith: { $1 }))
        #expect(result.error?.contains("must use https, or http to loopback") == true)
        let (relative, _) = try ContainerCredentialsProvider.fromEnvironment(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"], http: makeClient())
        #expect(relative?.url == "http://169.254.170.2/v2/credentials/abc")
        let (eks, _) = try ContainerCredentialsProvider.fromEnvironment(
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"], http: makeClient())
        #expect(eks?.url == "http://169.254.170.23/v1/credentials")
    }

    @Test func usesIMDSv2WithASessionToken() async throws {
        let seen = Shared<[String]>([])
        let imds = try LoopbackServer { head in
            seen.update { $0.append("\(head.method) \(head.path)") }
            if head.method == "PUT" && head.path == "/latest/api/token" {
                guard head.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600" else {
                    return LoopbackResponse(status: 400)
                }
                return LoopbackResponse(status: 200, body: Array("imds-session".utf8))
            }
            guard head.headers["x-aws-ec2-metadata-token"] == "imds-session" else { return LoopbackResponse(status: 401) }
            switch head.path {
            case "/latest/meta-data/iam/security-credentials/":
                return LoopbackResponse(status: 200, body: Array("pipeline-role\n".utf8))
            case "/latest/meta-data/iam/security-credentials/pipeline-role":
                return .json(
                    #"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":"imds-secret","Token":"imds-token","Expiration":"2030-01-01T00:00:00Z"}"#
                )
            default: return LoopbackResponse(status: 404)
            }
        }
        let result = await chainResult(["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.baseURL + "/"])
        #expect(result.value?.accessKeyID == "ASIAIMDS")
        #expect(result.value?.sessionToken == "imds-token")
        #expect(
            seen.value == [
                "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/pipeline-role",
            ])
    }

    @Test func failsFastWhenIMDSDoesNotAnswer() async throws {
        // A port nobody listens on: the refused connection is retried once, then reported.
        let closed = try LoopbackServer { _ in LoopbackResponse(status: 200) }
        let url = closed.baseURL
        closed.stop()
        let start = ContinuousClock.now
        let result = await chainResult(["AWS_EC2_METADATA_SERVICE_ENDPOINT": url], http: makeClient())
        #expect(ContinuousClock.now - start < .seconds(5))
        let error = try #require(result.error)
        #expect(error.hasPrefix("AWS credentials (credential chain): none found; tried environment:"))
        #expect(error.contains("IMDS: AWS credentials (IMDS): PUT \(url)/latest/api/token"))
    }
}
