import Foundation
import HTTP
import Pipeline

/// Where a service's requests go, resolved as the AWS SDKs do: `AWS_ENDPOINT_URL_<SERVICE>`,
/// else `AWS_ENDPOINT_URL`, else `https://{prefix}.{region}.amazonaws.com`.
struct AWSEndpoint: Sendable, Equatable {
    /// The base URL, no trailing slash.
    var url: String
    /// True when the environment chose it, so it stays the same in every region.
    var isOverride: Bool

    /// The SDKs' service ids for the endpoint variable (`AWS_ENDPOINT_URL_SECRETS_MANAGER`),
    /// by endpoint prefix; other services use their prefix upper-cased.
    static let serviceIDs: [String: String] = [
        "ec2": "EC2", "secretsmanager": "SECRETS_MANAGER", "sts": "STS", "s3": "S3", "iam": "IAM",
        "ssm": "SSM", "monitoring": "CLOUDWATCH", "logs": "CLOUDWATCH_LOGS", "pricing": "PRICING",
        "ce": "COST_EXPLORER", "ecs": "ECS", "eks": "EKS", "lambda": "LAMBDA", "rds": "RDS",
    ]

    static func resolve(service: String, region: String, environment: [String: String]) -> AWSEndpoint {
        let id = serviceIDs[service] ?? service.uppercased().replacingOccurrences(of: "-", with: "_")
        for name in ["AWS_ENDPOINT_URL_\(id)", "AWS_ENDPOINT_URL"] {
            if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return AWSEndpoint(url: trimmingSlash(value), isOverride: true)
            }
        }
        return AWSEndpoint(url: "https://\(service).\(region).amazonaws.com", isOverride: false)
    }

    private static func trimmingSlash(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}
