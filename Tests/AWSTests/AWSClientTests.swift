import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// Test keys: made-up values that must never show up in errors.
let testCredentials = AWSCredentials(accessKeyID: "AKIDTESTCLIENT", secretAccessKey: "test-secret-key-never-printed")

/// Recomputes the signature of a request the loopback server received, as AWS would, and
/// says whether the Authorization header matches it.
func signatureIsValid(_ head: HTTPRequestHead, service: String, region: String, credentials: AWSCredentials, date: Date) -> Bool {
    guard let authorization = head.headers["authorization"],
        let signedPart = authorization.split(separator: " ").first(where: { $0.hasPrefix("SignedHeaders=") })
    else { return false }
    let names = signedPart.dropFirst("SignedHeaders=".count).trimmingCharacters(in: CharacterSet(charactersIn: ",")).split(
        separator: ";")
    let headers = names.compactMap { name in head.headers[String(name)].map { (String(name), $0) } }
    let signer = SigV4Signer(service: service, region: region)
    let expected = signer.signature(
        method: head.method, url: head.target, headers: headers, payload: .bytes(head.body), date: date, credentials: credentials)
    return expected.authorization == authorization
}

struct AWSClientTests {
    @Test func resolvesTheRegionFromArgumentThenEnvironment() throws {
        let http = makeClient()
        let creds = StaticCredentialsProvider(testCredentials)
        let env = ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"]
        #expect(
            try AWSClient(service: "ec2", environment: env, http: http, region: "ap-south-1", credentials: creds).region
                == "ap-south-1")
        #expect(try AWSClient(service: "ec2", environment: env, http: http, credentials: creds).region == "eu-west-1")
        #expect(
            try AWSClient(service: "ec2", environment: ["AWS_DEFAULT_REGION": "us-west-2"], http: http, credentials: creds).region
                == "us-west-2")
        #expect {
            try AWSClient(service: "ec2", environment: [:], http: http, credentials: creds)
        } throws: { error in
            "\(error)".contains("no AWS region for ec2: set AWS_REGION")
        }
        #expect(throws: AWSConfigurationError.self) {
            try AWSClient(service: "ec2", environment: [:], http: http, region: "evil.example.com/", credentials: creds)
        }
    }

    @Test func resolvesEndpointsAsTheSDKsDo() throws {
        let http = makeClient()
        let creds = StaticCredentialsProvider(testCredentials)
        let plain = try AWSClient(service: "ec2", environment: [:], http: http, region: "eu-west-1", credentials: creds)
        #expect(plain.endpoint == "https://ec2.eu-west-1.amazonaws.com")
        #expect(plain.inRegion("us-east-2").endpoint == "https://ec2.us-east-2.amazonaws.com")
        #expect(plain.inRegion("us-east-2").region == "us-east-2")

        let env = [
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1/", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:2",
            "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:3",
        ]
        let secrets = try AWSClient(
            service: "secretsmanager", environment: env, http: http, region: "eu-west-1", credentials: creds)
        #expect(secrets.endpoint == "http://127.0.0.1:2")
        #expect(secrets.inRegion("us-east-1").endpoint == "http://127.0.0.1:2")
        #expect(
            try AWSClient(service: "sts", environment: env, http: http, region: "eu-west-1", credentials: creds).endpoint
                == "http://127.0.0.1:3")
        #expect(
            try AWSClient(service: "ec2", environment: env, http: http, region: "eu-west-1", credentials: creds).endpoint
                == "http://127.0.0.1:1")
        #expect(
            try AWSClient(service: "Secrets Manager", environment: env, http: http, region: "eu-west-1", credentials: creds)
                .service == "secretsmanager")
    }

    @Test func inRegionSharesOneCredentialCache() async throws {
        let calls = Shared(0)
        let provider = CountingProvider(calls: calls, value: testCredentials)
        let client = try AWSClient(
            service: "ec2", environment: [:], http: makeClient(), region: "eu-west-1", credentials: provider)
        let other = client.inRegion("us-east-1")
        _ = try await client.credentialsProvider.credentials()
        _ = try await other.credentialsProvider.credentials()
        #expect(calls.value == 1)
    }

    @Test func sendsSignedQueryRequestsAndParsesTheXML() async throws {
        let seen = Shared<[HTTPRequestHead]>([])
        let server = try LoopbackServer { head in
            seen.update { $0.append(head) }
            return LoopbackResponse(
                status: 200, headers: [("Content-Type", "text/xml")],
                body: Array(
                    "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
                        .utf8))
        }
        let token = AWSCredentials(accessKeyID: "ASIATEMP", secretAccessKey: "temp-secret", sessionToken: "temp-session-token")
        let client = try AWSClient(
            service: "sts", environment: ["AWS_ENDPOINT_URL": server.baseURL], http: makeClient(), region: "eu-west-1",
            credentials: StaticCredentialsProvider(token))
        let root = try await client.query(action: "GetCallerIdentity", version: "2011-06-15", parameters: [("Odd Name", "a&b=ü")])
        #expect(root.first("GetCallerIdentityResult")?.value("Account") == "123456789012")
        let head = try #require(seen.value.first)
        #expect(head.method == "POST")
        #expect(head.path == "/")
        #expect(
            String(decoding: head.body, as: UTF8.self) == "Action=GetCallerIdentity&Version=2011-06-15&Odd%20Name=a%26b%3D%C3%BC")
        #expect(head.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(head.headers["x-amz-security-token"] == "temp-session-token")
        #expect(head.headers["x-amz-date"] == "20270115T080000Z")
        #expect(
            head.headers["authorization"]?.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=ASIATEMP/20270115/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
            ) == true)
        #expect(signatureIsValid(head, service: "sts", region: "eu-west-1", credentials: token, date: fixedNow))
    }

    @Test("a query with a selection gets only the selected elements; a cut-off answer is an AWSError naming the byte")
    func queryWithASelectionReducesTheAnswer() async throws {
        let items = (1...300).map {
            "<item><instanceId>i-\($0)</instanceId><blockDeviceMapping>\(String(repeating: "<x>y</x>", count: 50))</blockDeviceMapping></item>"
        }
        let page =
            "<DescribeInstancesResponse><requestId>r</requestId><set>" + items.joined() + "</set></DescribeInstancesResponse>"
        let cutOff = Shared(false)
        let server = try LoopbackServer { _ in
            let body = Array(page.utf8)
            return LoopbackResponse(
                status: 200, headers: [("x-amzn-RequestId", "req-7")], body: cutOff.value ? Array(body[..<1_000]) : body)
        }
        let client = try AWSClient(
            service: "ec2", environment: ["AWS_ENDPOINT_URL": server.baseURL], http: makeClient(), region: "us-east-1",
            credentials: StaticCredentialsProvider(testCredentials))
        let selection = FieldSelection.keys(["set": .keys(["item": .keys(["instanceId": .all])])])
        let root = try await client.query(action: "DescribeInstances", version: "2016-11-15", parameters: [], keeping: selection)
        #expect(root == (try XMLDocument.parse(Array(page.utf8), keeping: selection)))
        #expect(root.first("set")?.all("item").count == 300)
        #expect(root.first("requestId") == nil)

        cutOff.update { $0 = true }
        do {
            _ = try await client.query(action: "DescribeInstances", version: "2016-11-15", parameters: [], keeping: selection)
            Issue.record("a cut-off answer parsed")
        } catch let error as AWSError {
            #expect(error.code == "InvalidResponse")
            #expect(error.description.contains("DescribeInstances answer is not XML: invalid XML at byte"), "\(error)")
            #expect(error.requestID == "req-7")
        }
    }

    @Test func sendsJSONProtocolRequests() async throws {
        let seen = Shared<[HTTPRequestHead]>([])
        let server = try LoopbackServer { head in
            seen.update { $0.append(head) }
            return .json(#"{"Name":"db","SecretString":"hunter2"}"#, headers: [("Content-Type", "application/x-amz-json-1.1")])
        }
        let client = try AWSClient(
            service: "secretsmanager", environment: ["AWS_ENDPOINT_URL_SECRETS_MANAGER": server.baseURL], http: makeClient(),
            region: "us-east-1", credentials: StaticCredentialsProvider(testCredentials))
        let answer = try await client.json(target: "secretsmanager.GetSecretValue", body: ["SecretId": "db"])
        #expect(answer["SecretString"]?.string == "hunter2")
        let head = try #require(seen.value.first)
        #expect(head.headers["x-amz-target"] == "secretsmanager.GetSecretValue")
        #expect(head.headers["content-type"] == "application/x-amz-json-1.1")
        #expect(try JSONParser.parse(head.body) == ["SecretId": "db"])
        #expect(head.headers["x-amz-security-token"] == nil)
        #expect(
            signatureIsValid(head, service: "secretsmanager", region: "us-east-1", credentials: testCredentials, date: fixedNow))
    }

    @Test func turnsErrorAnswersIntoOneLineAWSErrorsWithoutSecrets() async throws {
        let server = try LoopbackServer { _ in
            .json(
                #"{"__type":"com.amazonaws#ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}"#,
                status: 400, headers: [("x-amzn-RequestId", "req-42")])
        }
        let client = try AWSClient(
            service: "secretsmanager", environment: ["AWS_ENDPOINT_URL": server.baseURL], http: makeClient(), region: "us-east-1",
            credentials: StaticCredentialsProvider(testCredentials))
        do {
            _ = try await client.json(target: "secretsmanager.GetSecretValue", body: ["SecretId": "nope"])
            Issue.record("no error")
        } catch let error as AWSError {
            #expect(error.code == "ResourceNotFoundException")
            #expect(error.status == 400)
            #expect(
                error.description
                    == "AWS secretsmanager error ResourceNotFoundException (HTTP 400): Secrets Manager can't find the specified secret.; request id req-42"
            )
            #expect(!error.description.contains(testCredentials.secretAccessKey))
        }
    }

    @Test func retriesThrottlingWithBackoffThenAnswers() async throws {
        let count = Shared(0)
        let server = try LoopbackServer { _ in
            if count.increment() <= 2 {
                return LoopbackResponse(
                    status: 400,
                    body: Array(
                        "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
                            .utf8))
            }
            return LoopbackResponse(status: 200, body: Array("<OK/>".utf8))
        }
        let sleeper = SleepRecorder()
        let client = try AWSClient(
            service: "sts", environment: ["AWS_ENDPOINT_URL": server.baseURL], http: makeClient(sleeper: sleeper),
            region: "us-east-1",
            credentials: StaticCredentialsProvider(testCredentials))
        let root = try await client.query(action: "GetCallerIdentity", version: "2011-06-15", parameters: [])
        #expect(root.name == "OK")
        #expect(count.value == 3)
        #expect(sleeper.recorded.count == 2)
        // Full jitter under a doubling ceiling: 0…0.5 s, then 0…1 s.
        #expect(sleeper.recorded[0] <= .milliseconds(500))
        #expect(sleeper.recorded[1] <= .seconds(1))
    }

    @Test func retriesThrottling503sThroughTheHTTPClient() async throws {
        let count = Shared(0)
        let server = try LoopbackServer { _ in
            if count.increment() <= 2 {
                return LoopbackResponse(
                    status: 503,
                    body: Array(
                        "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r2</RequestID></Response>"
                            .utf8))
            }
            return LoopbackResponse(status: 200, body: Array("<DescribeInstancesResponse/>".utf8))
        }
        let sleeper = SleepRecorder()
        let client = try AWSClient(
            service: "ec2", environment: ["AWS_ENDPOINT_URL": server.baseURL], http: makeClient(sleeper: sleeper),
            region: "us-east-1",
            credentials: StaticCredentialsProvider(testCredentials))
        let root = try await client.query(action: "DescribeInstances", version: "2016-11-15", parameters: [])
        #expect(root.name == "DescribeInstancesResponse")
        #expect(count.value == 3)
        #expect(sleeper.recorded.count == 2)
    }

    @Test func givesUpOnPersistentThrottlingWithAClearError() async throws {
        let count = Shared(0)
        let server = try LoopbackServer { _ in
            _ = count.increment()
            return .json(
                #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, status: 400, headers: [("x-amzn-RequestId", "r3")]
            )
        }
        let sleeper = SleepRecorder()
        let limited = try AWSClient(
            service: "secretsmanager", environment: ["AWS_ENDPOINT_URL": server.baseURL], http: makeClient(sleeper: sleeper),
            region: "us-east-1", credentials: StaticCredentialsProvider(testCredentials))
        do {
            _ = try await limited.json(target: "secretsmanager.ListSecrets", body: [:])
            Issue.record("no error")
        } catch let error as AWSError {
            #expect(error.code == "ThrottlingException")
            #expect(
                error.description
                    == "AWS secretsmanager error ThrottlingException (HTTP 400): Rate exceeded; request id r3; gave up after 5 attempts"
            )
        }
        #expect(count.value == 5)
        #expect(sleeper.recorded.count == 4)
        let persistent503 = try LoopbackServer { _ in
            LoopbackResponse(
                status: 503,
                body: Array(
                    "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Slow down</Message></Error></Errors><RequestID>r4</RequestID></Response>"
                        .utf8))
        }
        let ec2 = try AWSClient(
            service: "ec2", environment: ["AWS_ENDPOINT_URL": persistent503.baseURL],
            http: makeClient(retry: RetryPolicy(maxAttempts: 3)), region: "us-east-1",
            credentials: StaticCredentialsProvider(testCredentials))
        await #expect {
            _ = try await ec2.query(action: "DescribeInstances", version: "2016-11-15", parameters: [])
        } throws: { error in
            "\(error)" == "AWS ec2 error RequestLimitExceeded (HTTP 503): Slow down; request id r4"
        }
        #expect(persistent503.requestCount == 3)
    }
}

/// Counts how often credentials are fetched; each fetch takes a little while, so concurrent
/// callers overlap.
struct CountingProvider: AWSCredentialProvider {
    let calls: Shared<Int>
    var value: AWSCredentials
    var delay: Duration = .zero
    var fails = false

    func credentials() async throws -> AWSCredentials {
        _ = calls.increment()
        if delay > .zero { try await Task.sleep(for: delay) }
        if fails { throw AWSCredentialsError(source: "test", reason: "failed on purpose") }
        return value
    }
}
