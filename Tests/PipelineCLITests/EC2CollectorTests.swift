import Foundation
import HTTP
import Moto
import Pipeline
import Testing

/// `pipeline run ec2 --dry-run` end to end: the built binary against moto (signatures checked),
/// every metric compared with what the test seeded.
@Suite("EC2 collector, end to end")
struct EC2CollectorTests {
    static func client() -> HTTPClient {
        HTTPClient(configuration: .init(requestTimeout: .seconds(30), logger: Logger(level: .error)))
    }

    /// Points by metric, then by the value of `tag` (or "" for an untagged series).
    static func series(_ result: CLIRunner.Result, tag: String? = nil) throws -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for point in try result.points() {
            guard let metric = point["metric"]?.string, let value = point["value"]?.number else { continue }
            let tags = point["tags"]?.array?.compactMap(\.string) ?? []
            let key =
                tag.flatMap { name in tags.first { $0.hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1)) } } ?? ""
            out[metric, default: [:]][key] = value
        }
        return out
    }

    @Test("every EC2 metric equals what was seeded in two regions; long-running follows the clock")
    func metricsEqualSeed() async throws {
        let http = Self.client()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            // us-east-1: 3 m5.large (owned), 2 t3.micro (one stopped, one unowned), 1 Windows m5.large,
            // 2 spot c5.large; eu-west-1: 2 c5.xlarge (unpriced there).
            try await moto.runInstances(count: 3, instanceType: "m5.large", tags: [("owner", "ml")], http: http)
            let micro = try await moto.runInstances(count: 2, instanceType: "t3.micro", tags: [("team", "web")], http: http)
            try await moto.runInstances(
                count: 1, instanceType: "m5.large", imageID: MotoServer.windowsAMI, tags: [("owner", "it")], http: http)
            let ec2 = try moto.client("ec2", http: http)
            _ = try await ec2.query(
                action: "RunInstances", version: "2016-11-15",
                parameters: [
                    ("ImageId", MotoServer.amazonLinuxAMI), ("MinCount", "2"), ("MaxCount", "2"), ("InstanceType", "c5.large"),
                    ("InstanceMarketOptions.MarketType", "spot"), ("TagSpecification.1.ResourceType", "instance"),
                    ("TagSpecification.1.Tag.1.Key", "owner"), ("TagSpecification.1.Tag.1.Value", "batch"),
                ])
            try await moto.runInstances(
                count: 2, instanceType: "c5.xlarge", tags: [("owner", "eu")], region: "eu-west-1", http: http)
            _ = try await ec2.query(action: "StopInstances", version: "2016-11-15", parameters: [("InstanceId.1", micro[0])])

            var environment = moto.environment
            environment["EC2_REGIONS"] = "us-east-1,eu-west-1"
            let result = try await CLIRunner.run(["run", "ec2", "--dry-run", "--format", "json"], environment: environment)
            #expect(result.exitCode == 0, "stderr: \(result.stderr)")
            let plain = try Self.series(result)
            #expect(plain["ec2.instances.running"]?[""] == 9)
            #expect(plain["ec2.instances.stopped"]?[""] == 1)
            #expect(plain["ec2.instances.spot"]?[""] == 2)
            #expect(plain["ec2.instances.long_running"]?[""] == 0, "launched just now")
            #expect(plain["ec2.instances.untagged"]?[""] == 1, "the running t3.micro has no owner tag")
            #expect(plain["ec2.cost.unpriced_instances"]?[""] == 3, "the Windows instance and eu-west-1's two")
            let cost = try #require(plain["ec2.cost.hourly_usd"]?[""])
            #expect(abs(cost - (3 * 0.096 + 0.0104 + 2 * 0.085)) < 1e-9, "\(cost)")
            #expect(
                try Self.series(result, tag: "instance_type")["ec2.instances.by_type"] == [
                    "m5.large": 4, "t3.micro": 1, "c5.large": 2, "c5.xlarge": 2,
                ])
            #expect(try Self.series(result, tag: "region")["ec2.instances.by_region"] == ["us-east-1": 7, "eu-west-1": 2])
            let byState = try Self.series(result, tag: "state")["ec2.instances.by_state"] ?? [:]
            #expect(byState["running"] == 9)
            #expect(byState.values.reduce(0, +) == 10)
            let costByType = try Self.series(result, tag: "instance_type")["ec2.cost.hourly_usd_by_type"] ?? [:]
            #expect(abs((costByType["m5.large"] ?? 0) - 0.288) < 1e-9)
            #expect(costByType["c5.xlarge"] == nil, "no price, nothing summed")
            #expect(plain["collector.ec2.error_count"]?[""] == 0)

            // Eight days on, everything running is long-running; a 30-day threshold counts none.
            let later = Timestamp.format(Timestamp.now() + 8 * 86_400)
            let aged = try await CLIRunner.run(
                ["run", "ec2", "--dry-run", "--format", "json", "--as-of", later], environment: environment)
            #expect(try Self.series(aged)["ec2.instances.long_running"]?[""] == 9, "stderr: \(aged.stderr)")
            environment["EC2_LONG_RUNNING"] = "30d"
            let patient = try await CLIRunner.run(
                ["run", "ec2", "--dry-run", "--format", "json", "--as-of", later], environment: environment)
            #expect(try Self.series(patient)["ec2.instances.long_running"]?[""] == 0)
        }
    }

    @Test("wrong AWS keys fail the run with exit 1 and one line naming ec2, the code and the request id")
    func wrongKeys() async throws {
        let http = Self.client()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            var environment = moto.environment
            environment["AWS_SECRET_ACCESS_KEY"] = "notTheRightSecretKey0123456789abcdefghij"
            let result = try await CLIRunner.run(["run", "ec2", "--dry-run", "--format", "json"], environment: environment)
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("AWS ec2 error AuthFailure"), "\(result.stderr)")
            #expect(result.stderr.contains("request id"))
            #expect(!result.stderr.contains("notTheRightSecretKey"))
            #expect(try Self.series(result)["collector.ec2.failed"]?[""] == 1)
        }
    }
}
