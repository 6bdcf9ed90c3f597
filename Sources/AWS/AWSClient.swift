import Foundation
import HTTP
import Pipeline

/// Signed calls to one AWS service in one region, over the engine's `HTTPClient`.
///
///     let ec2 = try AWSClient(service: "ec2", environment: env, http: http)
///     let answer = try await ec2.query(action: "DescribeInstances", version: "2016-11-15", parameters: [])
///     let secret = try await AWSClient(service: "secretsmanager", environment: env, http: http)
///         .json(target: "secretsmanager.GetSecretValue", body: ["SecretId": "db"])
///
/// Retries: the HTTP client retries network failures and 408/429/5xx (with AWS throttling on
/// 429/503 among them); this client also retries the throttling codes AWS sends with a 400
/// (`Throttling`, `RequestLimitExceeded`, …), with exponential backoff and full jitter. What
/// still fails becomes an `AWSError`.
public struct AWSClient: Sendable {
    /// The endpoint prefix and signing name: `ec2`, `secretsmanager`, `sts`.
    public let service: String
    public let region: String
    /// The base URL requests go to, no trailing slash.
    public let endpoint: String
    /// Shared by every client derived with `inRegion`, so they share one cache and one refresh.
    public let credentialsProvider: any AWSCredentialProvider
    public let http: HTTPClient
    /// Retries of throttling answers the HTTP client delivers (400s); attempts include the first.
    public var throttleRetry: RetryPolicy
    let endpointIsOverride: Bool
    let environment: [String: String]

    /// Resolves region (argument, else AWS_REGION, else AWS_DEFAULT_REGION, else a clear error),
    /// endpoint (AWS_ENDPOINT_URL_<SERVICE> e.g. AWS_ENDPOINT_URL_EC2 /
    /// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else
    /// https://{endpointPrefix}.{region}.amazonaws.com), and credentials (argument, else the
    /// default chain built from `environment`), cached and refreshed before they expire.
    public init(
        service: String, environment: [String: String], http: HTTPClient, region: String? = nil,
        credentials: (any AWSCredentialProvider)? = nil
    ) throws {
        let service = service.lowercased().replacingOccurrences(of: " ", with: "")
        guard !service.isEmpty else { throw AWSConfigurationError("AWS service name is empty") }
        let candidates = [region, environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]]
        guard let region = candidates.compactMap({ $0?.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty })
        else {
            throw AWSConfigurationError(
                "no AWS region for \(service): set AWS_REGION (or AWS_DEFAULT_REGION), or give the region in the pipeline")
        }
        guard Self.isValidRegion(region) else {
            throw AWSConfigurationError("AWS region \"\(region)\" is not a region name like us-east-1")
        }
        let endpoint = AWSEndpoint.resolve(service: service, region: region, environment: environment)
        let provider: any AWSCredentialProvider
        if let cache = credentials as? AWSCredentialCache {
            provider = cache
        } else {
            let source = try credentials ?? AWSCredentialChain.standard(environment: environment, http: http, region: region)
            provider = AWSCredentialCache(source, now: http.configuration.now)
        }
        self.service = service
        self.region = region
        self.endpoint = endpoint.url
        self.endpointIsOverride = endpoint.isOverride
        self.credentialsProvider = provider
        self.http = http
        self.throttleRetry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(500), maxDelay: .seconds(20))
        self.environment = environment
    }

    private init(copying other: AWSClient, region: String) {
        let endpoint = AWSEndpoint.resolve(service: other.service, region: region, environment: other.environment)
        self.service = other.service
        self.region = region
        self.endpoint = endpoint.url
        self.endpointIsOverride = endpoint.isOverride
        self.credentialsProvider = other.credentialsProvider
        self.http = other.http
        self.throttleRetry = other.throttleRetry
        self.environment = other.environment
    }

    /// The same service and credentials (one shared cache) in another region; the endpoint is
    /// derived again unless the environment overrides it.
    public func inRegion(_ region: String) -> AWSClient { AWSClient(copying: self, region: region) }

    /// The signer for this service and region.
    public var signer: SigV4Signer { SigV4Signer(service: service, region: region) }

    /// AWS Query protocol (EC2, STS): POST application/x-www-form-urlencoded
    /// Action=..&Version=..&params, signed; returns the parsed XML root element of a 2xx answer,
    /// with only what `selection` keeps built (`XMLDocument.parse(_:keeping:)`). With a
    /// selection, the answer is reduced to it as it arrives, so a page of 1,000 instances is
    /// never held whole.
    public func query(
        action: String, version: String, parameters: [(String, String)], keeping selection: FieldSelection = .all
    ) async throws -> XMLElement {
        let body = URLQuery.encode([("Action", action), ("Version", version)] + parameters)
        var request = HTTPRequest(
            method: "POST", url: endpoint + "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(body.utf8))
        if selection != .all {
            request.keeping = selection
            request.bodyFormat = .xml
        }
        let response = try await send(request)
        do {
            if case .xml(let error)? = response.bodyError { throw error }
            return try XMLDocument.parse(response.body, keeping: selection)
        } catch {
            throw AWSError(
                service: service, code: "InvalidResponse", message: "\(action) answer is not XML: \(error)",
                requestID: response.headers["x-amzn-RequestId"], status: response.status)
        }
    }

    /// AWS JSON 1.1 protocol (Secrets Manager): POST with X-Amz-Target: target, Content-Type
    /// application/x-amz-json-1.1; returns the parsed JSON of a 2xx answer ({} for an empty one).
    public func json(target: String, body: JSON) async throws -> JSON {
        let request = HTTPRequest(
            method: "POST", url: endpoint + "/",
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target)],
            body: Array(body.jsonText.utf8))
        let response = try await send(request)
        if response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .object(JSONObject()) }
        do {
            return try JSONParser.parse(response.body)
        } catch {
            throw AWSError(
                service: service, code: "InvalidResponse", message: "\(target) answer is not JSON: \(error)",
                requestID: response.headers["x-amzn-RequestId"], status: response.status)
        }
    }

    /// Signs and sends `request` (its body is hashed into the signature) and returns a 2xx
    /// answer; anything else becomes an `AWSError`, after throttling retries.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        var policy = request.retry ?? http.configuration.retry
        policy.returnsLastResponse = true
        request.retry = policy
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let credentials = try await credentialsProvider.credentials()
            let signed = signer.sign(request, date: http.configuration.now(), credentials: credentials)
            let response = try await http.send(signed)
            if response.isSuccess { return response }
            var error = AWSError.parse(service: service, response: response, redacting: credentials.secrets)
            error.attempts = attempt
            // Statuses the HTTP client retries itself have had their retries already.
            let retriedByHTTP =
                response.status == 408 || response.status == 429
                || ((500...599).contains(response.status) && response.status != 501)
            guard error.isThrottling, !retriedByHTTP, attempt < throttleRetry.maxAttempts else { throw error }
            let delay = throttleRetry.backoff(retry: attempt, random: { Double.random(in: $0) })
            http.configuration.logger.warning(
                "\(service) \(error.code) (attempt \(attempt) of \(throttleRetry.maxAttempts)); retrying in \(TimeText.seconds(delay))"
            )
            try await http.configuration.sleep(delay)
            attempt += 1
        }
    }

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: letters, digits and dashes only,
    /// since the region goes into a host name.
    public static func isValidRegion(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 40
            && region.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
            && !region.hasPrefix("-") && !region.hasSuffix("-")
    }
}
