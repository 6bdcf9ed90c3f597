import AWS
import Foundation
import HTTP
import Pipeline

/// `aws_ec2_instances`: every instance of every region listed (EC2 `DescribeInstances`, Query
/// API 2016-11-15), one record each (fields: `EC2InstanceRecord`).
///
/// ```json
/// {"type": "aws_ec2_instances", "regions": ["us-east-1", "eu-west-1"],
///  "filters": [{"name": "tag:team", "values": ["ml"]}]}
/// ```
/// Options: `regions` (default: `$AWS_REGION`, else `$AWS_DEFAULT_REGION`; an entry may list
/// several, comma-separated, so that one `${EC2_REGIONS}` can carry a list), `filters` (EC2
/// filters, as `Filter.N.Name`/`Filter.N.Value.M`), `page_size` (`MaxResults`, 5…1000, default
/// 100), `prices` (USD per hour by `type` or `region/type`, over the table in the repository).
/// Regions are read concurrently, each region's pages in turn (`NextToken`). Credentials,
/// endpoints and retries are those of `AWSClient` (environment, web identity, container, IMDS).
///
/// A page's instances are in memory at once (its records, and the elements they come from),
/// about 3.3 KB each: pages of 100 keep a run's memory flat as a fleet grows (22.9 MiB with
/// 1,000 instances in each of two regions, against 27.7 MiB with pages of 1,000), for a request
/// per 100 instances; a region's pages are read one after another anyway.
struct AWSEC2InstancesSource: Source {
    struct Filter: Decodable, Sendable {
        var name: String
        var values: [String]

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            name = try reader.required("name")
            values = try reader.required("values")
        }
    }

    struct Options: Decodable, Sendable {
        var regions: [String]?
        var filters: [Filter]?
        var pageSize: Int?
        var prices: [String: Double]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            regions = try reader.optional("regions")
            filters = try reader.optional("filters")
            pageSize = try reader.optional("page_size")
            prices = try reader.optional("prices")
        }
    }

    static let kind = StageKind.source(
        "aws_ec2_instances", summary: "EC2 instances of every region listed (DescribeInstances, every page)",
        options: Options.self, example: ["regions": ["us-east-1"], "filters": [["name": "tag:team", "values": ["ml"]]]],
        optionDocs: [
            "regions": "regions to list, entries may be comma-separated (default $AWS_REGION, else $AWS_DEFAULT_REGION)",
            "filters": "EC2 filters, each {name, values} (default: none)",
            "page_size": "MaxResults per page, 5 to 1000 (default 100: a page's instances are held at once)",
            "prices": "USD per hour by type or region/type, over the built-in table (default: none)",
        ]
    ) { options in
        for (index, entry) in (options.regions ?? []).enumerated() {
            for region in splitRegions([entry]) where !AWSClient.isValidRegion(region) {
                throw OptionsDecoder.Failure(
                    path: ["regions", "[\(index)]"], message: "\"\(region)\" is not a region name like us-east-1")
            }
        }
        var options = options
        options.regions = options.regions.map(Self.splitRegions)
        if options.regions?.isEmpty == true {
            throw OptionsDecoder.Failure(path: ["regions"], message: "lists no region; leave it out to use $AWS_REGION")
        }
        let pageSize = options.pageSize ?? 100
        guard (5...1000).contains(pageSize) else {
            throw OptionsDecoder.Failure(path: ["page_size"], message: "must be 5…1000 (EC2's MaxResults), got \(pageSize)")
        }
        for (index, filter) in (options.filters ?? []).enumerated() where filter.name.isEmpty || filter.values.isEmpty {
            throw OptionsDecoder.Failure(
                path: ["filters", "[\(index)]"], message: "a filter needs a name and at least one value")
        }
        return AWSEC2InstancesSource(options: options, pageSize: pageSize, prices: EC2Prices(overrides: options.prices ?? [:]))
    }

    static let apiVersion = "2016-11-15"

    /// `["us-east-1, eu-west-1", "us-west-2"]` → three regions, in order, each once.
    static func splitRegions(_ entries: [String]) -> [String] {
        var seen: Set<String> = []
        return entries.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    let options: Options
    let pageSize: Int
    let prices: EC2Prices

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let first = try AWSClient(
            service: "ec2", environment: context.environment, http: context.http, region: options.regions?.first)
        let regions = options.regions ?? [first.region]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for region in regions {
                let client = first.inRegion(region)
                group.addTask { try await self.describe(client, output: output, context: context) }
            }
            try await group.waitForAll()
        }
    }

    /// Every page of one region, in turn.
    func describe(_ client: AWSClient, output: Output, context: StageContext) async throws {
        var token: String?
        var pages = 0
        repeat {
            var parameters = [("MaxResults", String(pageSize))] + filterParameters()
            if let token { parameters.append(("NextToken", token)) }
            let page = try await client.query(
                action: "DescribeInstances", version: Self.apiVersion, parameters: parameters,
                keeping: EC2InstanceRecord.pageSelection)
            let records = EC2InstanceRecord.instances(in: page).map {
                EC2InstanceRecord.make($0, region: client.region, prices: prices)
            }
            await output.send(records: records)
            pages += 1
            let next = page.value("nextToken").flatMap { $0.isEmpty ? nil : $0 }
            if next != nil, next == token {
                throw AWSError(
                    service: "ec2", code: "PaginationLoop",
                    message: "DescribeInstances in \(client.region) returned the same NextToken twice", status: 200)
            }
            token = next
        } while token != nil
        context.logger.debug("ec2 \(client.region): \(pages) page(s)")
    }

    func filterParameters() -> [(String, String)] {
        (options.filters ?? []).enumerated().flatMap { index, filter in
            [("Filter.\(index + 1).Name", filter.name)]
                + filter.values.enumerated().map { ("Filter.\(index + 1).Value.\($0.offset + 1)", $0.element) }
        }
    }
}

extension AWSEC2InstancesSource.Filter: OptionSchemaDescribing {
    static var optionSchema: JSON {
        [
            "type": "object",
            "properties": ["name": ["type": "string"], "values": ["type": "array", "items": ["type": "string"]]],
            "required": ["name", "values"], "additionalProperties": false,
        ]
    }
}
