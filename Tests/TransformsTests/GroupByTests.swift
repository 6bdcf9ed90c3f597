import Pipeline
import Testing

@Suite struct GroupByTests {
    static let instances: [JSON] = [
        ["instance_type": "m5.large", "hourly_usd": 0.096],
        ["instance_type": "c5.xlarge", "hourly_usd": 0.17],
        ["instance_type": "m5.large", "hourly_usd": 0.096],
        ["hourly_usd": 1.0],
        ["instance_type": "g5.xlarge"],
    ]

    static func byTag(_ points: [MetricPoint], _ tag: String) -> [String: Double] {
        Dictionary(
            uniqueKeysWithValues: points.compactMap { point in
                point.tags.first { $0.hasPrefix(tag + ":") }.map { (String($0.dropFirst(tag.count + 1)), point.value) }
            })
    }

    @Test func countGivesOnePointPerValueTaggedWithTheFieldName() throws {
        let points = try Harness.points(
            "count", ["metric": "ec2.instances.by_type", "group_by": "instance_type"], Self.instances)
        #expect(Self.byTag(points, "instance_type") == ["m5.large": 2, "c5.xlarge": 1, "g5.xlarge": 1, "none": 1])
        #expect(points.allSatisfy { $0.metric == "ec2.instances.by_type" && $0.tags.starts(with: Harness.pipelineTags) })
        #expect(points.count == 4)
    }

    @Test func countWithoutRecordsHasNoGroupAndNoPoint() throws {
        #expect(try Harness.points("count", ["metric": "m", "group_by": "instance_type"], []).isEmpty)
    }

    @Test func sumFoldsEachGroupAndSkipsRecordsWithoutANumber() throws {
        let points = try Harness.points(
            "sum", ["metric": "ec2.cost.hourly_usd_by_type", "field": "hourly_usd", "group_by": "instance_type"], Self.instances)
        let sums = Self.byTag(points, "instance_type")
        #expect(sums.keys.sorted() == ["c5.xlarge", "m5.large", "none"], "g5.xlarge has no price, so no number to sum")
        #expect(abs(sums["m5.large"]! - 0.192) < 1e-12)
        #expect(sums["c5.xlarge"] == 0.17)
        #expect(sums["none"] == 1.0)
    }

    @Test func maxPerGroupOnANestedPathTagsWithItsLastName() throws {
        let records: [JSON] = [
            ["placement": ["zone": "a"], "age": 3], ["placement": ["zone": "a"], "age": 9],
            ["placement": ["zone": "b"], "age": 1],
        ]
        let points = try Harness.points("max", ["metric": "m", "field": "age", "group_by": "placement.zone"], records)
        #expect(Self.byTag(points, "zone") == ["a": 9, "b": 1])
    }

    @Test func groupByIsAnOptionOfCountAndTheFoldsOnly() throws {
        #expect(throws: (any Error).self) {
            _ = try Harness.points("distinct_count", ["metric": "m", "field": "x", "group_by": "y"], [])
        }
    }
}

extension GroupByTests {
    @Test func valueReadsOneRecordSoItHasNoGroupBy() {
        let failure = Harness.failure("value", ["metric": "m", "field": "x", "group_by": "y"])
        #expect(failure?.message.hasPrefix("unknown option \"group_by\"") == true, "\(String(describing: failure))")
    }
}
