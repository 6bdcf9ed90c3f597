import AWS
import Foundation
import HTTP
import LoopbackHTTP
import Moto
import Pipeline
import TestKit
import Testing

@testable import Sources

@Suite("aws_ec2_instances")
struct EC2InstancesTests {
    /// Runs the stage against moto with `environment` (moto's endpoint, region and keys by default).
    static func run(_ options: JSON, moto: MotoServer, http: HTTPClient, environment: [String: String]? = nil) async throws
        -> [JSON]
    {
        let source = try makeSource("aws_ec2_instances", options)
        let collector = ItemCollector()
        var context = makeContext(http: http)
        context.environment = environment ?? moto.environment
        try await source.run(input: nil, output: Output(collectingInto: collector), context: context)
        return collector.records
    }

    @Test("every instance of every region, over several pages, with state, type, tags, region and price")
    func everyRegionEveryPage() async throws {
        let http = makeTestClient()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            let east = try await moto.runInstances(
                count: 7, instanceType: "m5.large", tags: [("owner", "ml"), ("team", "infra")], http: http)
            let small = try await moto.runInstances(count: 3, instanceType: "t3.micro", http: http)
            let west = try await moto.runInstances(count: 4, instanceType: "c5.xlarge", region: "eu-west-1", http: http)
            let ec2 = try moto.client("ec2", http: http)
            _ = try await ec2.query(action: "StopInstances", version: "2016-11-15", parameters: [("InstanceId.1", small[0])])

            let records = try await Self.run(["regions": ["us-east-1, eu-west-1"], "page_size": 5], moto: moto, http: http)
            #expect(records.count == 14)
            #expect(Set(records.compactMap { $0["instance_id"]?.string }) == Set(east + small + west))
            let byID = Dictionary(uniqueKeysWithValues: records.map { ($0["instance_id"]!.string!, $0) })
            let first = try #require(byID[east[0]])
            #expect(first["instance_type"]?.string == "m5.large")
            #expect(first["region"]?.string == "us-east-1")
            #expect(first["tags"]?["owner"]?.string == "ml")
            #expect(first["tags"]?["team"]?.string == "infra")
            #expect(first["lifecycle"]?.string == "on-demand")
            #expect(first["platform"]?.string == "linux")
            #expect(first["hourly_usd"]?.number == 0.096)
            #expect(first["availability_zone"]?.string?.hasPrefix("us-east-1") == true)
            #expect(first["launch_time"].flatMap { $0.string }.flatMap(Timestamp.parse) != nil)
            #expect(byID[west[0]]?["region"]?.string == "eu-west-1")
            #expect(byID[west[0]]?["hourly_usd"] == nil, "eu-west-1 is not in the price table")
            let states = records.map { $0["state"]?.string ?? "?" }
            #expect(states.filter { $0 == "running" }.count == 13)
            #expect(states.filter { $0 == "stopped" || $0 == "stopping" }.count == 1)
        }
    }

    @Test("EC2 filters are sent as Filter.N.Name and Filter.N.Value.M")
    func filters() async throws {
        let http = makeTestClient()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            try await moto.runInstances(count: 2, instanceType: "t3.small", tags: [("team", "ml")], http: http)
            try await moto.runInstances(count: 3, instanceType: "t3.small", tags: [("team", "web")], http: http)
            try await moto.runInstances(count: 1, instanceType: "t3.large", tags: [("team", "ml")], http: http)
            let records = try await Self.run(
                [
                    "filters": [
                        ["name": "tag:team", "values": ["ml"]], ["name": "instance-type", "values": ["t3.small", "t3.medium"]],
                    ]
                ],
                moto: moto, http: http)
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0["tags"]?["team"]?.string == "ml" && $0["instance_type"]?.string == "t3.small" })
        }
    }

    @Test("a wrong secret key is one line naming the service, AWS's code and the request id, never the secret")
    func wrongKey() async throws {
        let http = makeTestClient()
        defer { http.shutdown() }
        try await MotoServer.with(http: http) { moto in
            var environment = moto.environment
            environment["AWS_SECRET_ACCESS_KEY"] = "wrongSECRETwrongSECRETwrongSECRET0000"
            let error = await thrownError { _ = try await Self.run([:], moto: moto, http: http, environment: environment) }
            let message = String(describing: try #require(error))
            #expect(message.contains("AWS ec2 error AuthFailure"), "\(message)")
            #expect(message.contains("request id"))
            #expect(!message.contains("wrongSECRET"))
            #expect(!message.contains("\n"))
        }
    }

    @Test("no region anywhere is a clear error")
    func noRegion() async throws {
        let http = makeTestClient()
        defer { http.shutdown() }
        let source = try makeSource("aws_ec2_instances", [:])
        var context = makeContext(http: http)
        context.environment = ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"]
        let error = await thrownError {
            try await source.run(input: nil, output: Output(collectingInto: ItemCollector()), context: context)
        }
        #expect(String(describing: try #require(error)).contains("set AWS_REGION"))
    }

    @Test("instances are read whatever the order of the XML elements, spot and Windows included")
    func elementOrderDoesNotMatter() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <nextToken/>
              <reservationSet><item>
                <instancesSet><item>
                  <tagSet><item><value>ml &amp; data</value><key>team</key></item></tagSet>
                  <instanceLifecycle>spot</instanceLifecycle>
                  <placement><tenancy>default</tenancy><availabilityZone>us-east-1b</availabilityZone></placement>
                  <launchTime>2026-11-01T10:00:00.000Z</launchTime>
                  <instanceState><name>running</name><code>16</code></instanceState>
                  <instanceType>g5.xlarge</instanceType>
                  <instanceId>i-0spot</instanceId>
                </item><item>
                  <instanceId>i-0win</instanceId><platform>windows</platform><instanceType>m5.large</instanceType>
                  <instanceState><code>80</code><name>stopped</name></instanceState>
                </item></instancesSet>
                <reservationId>r-1</reservationId>
              </item></reservationSet>
              <requestId>req-1</requestId>
            </DescribeInstancesResponse>
            """
        let page = try XMLDocument.parse(Array(xml.utf8))
        let records = EC2InstanceRecord.instances(in: page).map {
            EC2InstanceRecord.make($0, region: "us-east-1", prices: EC2Prices())
        }
        // What the stage builds of a page (`pageSelection`) gives the same records.
        let selected = try XMLDocument.parse(Array(xml.utf8), keeping: EC2InstanceRecord.pageSelection)
        #expect(
            EC2InstanceRecord.instances(in: selected).map { EC2InstanceRecord.make($0, region: "us-east-1", prices: EC2Prices()) }
                == records)
        #expect(selected.first("requestId") == nil, "what no record reads is not built")
        #expect(records.count == 2)
        #expect(records[0]["instance_id"]?.string == "i-0spot")
        #expect(records[0]["lifecycle"]?.string == "spot")
        #expect(records[0]["state"]?.string == "running")
        #expect(records[0]["availability_zone"]?.string == "us-east-1b")
        #expect(records[0]["tags"]?["team"]?.string == "ml & data")
        #expect(records[0]["hourly_usd"]?.number == 1.006)
        #expect(records[1]["platform"]?.string == "windows")
        #expect(records[1]["hourly_usd"] == nil, "the table prices Linux only")
        #expect(records[1]["lifecycle"]?.string == "on-demand")
    }

    @Test("prices: a region/type override wins over a type override, which wins over the table")
    func priceOverrides() {
        let prices = EC2Prices(overrides: ["m5.large": 0.05, "us-west-2/m5.large": 0.04, "x9.huge": 9])
        #expect(prices.hourlyUSD(region: "us-west-2", instanceType: "m5.large") == 0.04)
        #expect(prices.hourlyUSD(region: "us-east-1", instanceType: "m5.large") == 0.05)
        #expect(prices.hourlyUSD(region: "eu-west-1", instanceType: "x9.huge") == 9)
        #expect(prices.hourlyUSD(region: "us-east-1", instanceType: "c5.large") == 0.085)
        #expect(prices.hourlyUSD(region: "eu-west-1", instanceType: "c5.large") == nil)
    }

    @Test("pages hold 100 instances unless page_size says otherwise (a page's instances are in memory at once)")
    func defaultPageSize() async throws {
        let bodies = Shared<[String]>([])
        let server = try makeLoopback { head, _ in
            bodies.update { $0.append(String(decoding: head.body, as: UTF8.self)) }
            return LoopbackResponse(
                status: 200, headers: [("content-type", "text/xml")],
                body: Array("<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>".utf8))
        }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        for options: JSON in [["regions": ["us-east-1"]], ["regions": ["us-east-1"], "page_size": 1000]] {
            let source = try makeSource("aws_ec2_instances", options)
            var context = makeContext(http: http)
            context.environment = [
                "AWS_ENDPOINT_URL": server.baseURL, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x",
            ]
            try await source.run(input: nil, output: Output(collectingInto: ItemCollector()), context: context)
        }
        #expect(bodies.value.map { $0.contains("&MaxResults=100&") || $0.hasSuffix("&MaxResults=100") } == [true, false])
        #expect(bodies.value.last?.contains("MaxResults=1000") == true)
    }

    @Test("a NextToken that repeats is an error, not an endless loop")
    func repeatedToken() async throws {
        let server = try makeLoopback { _, _ in
            LoopbackResponse(
                status: 200, headers: [("content-type", "text/xml")],
                body: Array(
                    "<DescribeInstancesResponse><reservationSet/><nextToken>same</nextToken></DescribeInstancesResponse>".utf8))
        }
        defer { server.stop() }
        let http = makeTestClient()
        defer { http.shutdown() }
        let source = try makeSource("aws_ec2_instances", ["regions": ["us-east-1"]])
        var context = makeContext(http: http)
        context.environment = [
            "AWS_ENDPOINT_URL": server.baseURL, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x",
        ]
        let error = await thrownError {
            try await source.run(input: nil, output: Output(collectingInto: ItemCollector()), context: context)
        }
        #expect(String(describing: try #require(error)).contains("same NextToken twice"))
        #expect(server.requestCount == 2)
    }

    @Test(
        "options: bad regions, page_size and filters are rejected at their paths",
        arguments: [
            (["regions": ["us-east-1", "us east"]] as JSON, ["regions", "[1]"]),
            (["regions": []] as JSON, ["regions"]),
            (["page_size": 2] as JSON, ["page_size"]),
            (["filters": [["name": "tag:x", "values": []]]] as JSON, ["filters", "[0]"]),
        ])
    func optionFaults(options: JSON, path: [String]) {
        #expect(optionsFailure("aws_ec2_instances", options)?.path == ["stages", "under_test"] + path)
    }

    @Test("regions: comma-separated entries are split, trimmed and deduplicated, in order")
    func regionLists() {
        #expect(
            AWSEC2InstancesSource.splitRegions(["us-east-1, eu-west-1", "us-east-1", " us-west-2 ", ""]) == [
                "us-east-1", "eu-west-1", "us-west-2",
            ])
    }
}
