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

    static let tasks: [JSON] = [
        ["project": "web", "project_gid": "1", "open": true, "assignee": "a"],
        ["project": "web", "project_gid": "1", "open": false, "assignee": "b"],
        ["project": "web", "project_gid": "1", "open": true, "assignee": "a"],
        ["project": "api", "project_gid": "2", "open": false, "assignee": "c"],
        // The known groups, fed alongside: they open their group and match no `where`.
        ["project": "web", "project_gid": "1"], ["project": "api", "project_gid": "2"], ["project": "empty", "project_gid": "3"],
    ]

    static func byTags(_ points: [MetricPoint]) -> [String: Double] {
        Dictionary(
            uniqueKeysWithValues: points.map { point in
                (point.tags.filter { $0.hasPrefix("project") }.joined(separator: ","), point.value)
            })
    }

    @Test func aListOfFieldsGroupsByTheirValuesTogetherWithOneTagEach() throws {
        let points = try Harness.points("count", ["metric": "m", "group_by": ["project", "project_gid"]], Self.tasks)
        #expect(
            Self.byTags(points) == [
                "project:web,project_gid:1": 4, "project:api,project_gid:2": 2, "project:empty,project_gid:3": 1,
            ])
    }

    @Test func countWhereCountsMatchingRecordsButEveryRecordOpensItsGroup() throws {
        let points = try Harness.points(
            "count", ["metric": "m", "group_by": ["project", "project_gid"], "where": "open"], Self.tasks)
        #expect(
            Self.byTags(points) == [
                "project:web,project_gid:1": 2, "project:api,project_gid:2": 0, "project:empty,project_gid:3": 0,
            ])
        let total = try Harness.points("count", ["metric": "m", "where": "open"], Self.tasks)
        #expect(total.map(\.value) == [2])
    }

    @Test func distinctCountPerGroupWithWhereReportsZeroForKnownGroups() throws {
        let points = try Harness.points(
            "distinct_count",
            ["metric": "m", "field": "assignee", "group_by": ["project", "project_gid"], "where": "open == false"], Self.tasks)
        #expect(
            Self.byTags(points) == [
                "project:web,project_gid:1": 1, "project:api,project_gid:2": 1, "project:empty,project_gid:3": 0,
            ])
    }

    @Test func percentilesPerGroupEmitNothingForAGroupWithoutNumbers() throws {
        let records: [JSON] = [["p": "a", "x": 1], ["p": "a", "x": 3], ["p": "b", "x": 10], ["p": "c"]]
        let points = try Harness.points(
            "percentiles", ["metric": "m", "field": "x", "percentiles": [50, 100], "group_by": "p"], records)
        #expect(
            points.map { "\($0.metric) \($0.tags.last!) \($0.value)" } == [
                "m.p50 p:a 2.0", "m.max p:a 3.0", "m.p50 p:b 10.0", "m.max p:b 10.0",
            ])
    }

    @Test func groupTagsFollowDatadogsTagRules() throws {
        let points = try Harness.points("count", ["metric": "m", "group_by": "project"], [["project": "Mobile App (iOS)"]])
        #expect(points.first?.tags.last == "project:mobile_app_ios")
    }

    @Test func anEmptyListOfFieldsIsRefused() {
        let failure = Harness.failure("count", ["metric": "m", "group_by": []])
        #expect(failure?.message.contains("at least one field") == true, "\(String(describing: failure))")
    }
}

extension GroupByTests {
    @Test func valueReadsOneRecordSoItHasNoGroupBy() {
        let failure = Harness.failure("value", ["metric": "m", "field": "x", "group_by": "y"])
        #expect(failure?.message.hasPrefix("unknown option \"group_by\"") == true, "\(String(describing: failure))")
    }
}
