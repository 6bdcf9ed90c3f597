import Pipeline
import Testing

@Suite struct LatestTests {
    static let runs: [JSON] = [
        ["id": 1, "created_at": "2026-11-20T10:00:00Z", "conclusion": "success"],
        ["id": 2, "created_at": "2026-11-23T09:00:00Z", "conclusion": "failure"],
        ["id": 3, "created_at": nil, "conclusion": "success"],
        ["id": 4, "created_at": "2026-11-22T23:00:00-12:00", "conclusion": "success"],  // 2026-11-23T11:00Z
        ["id": 5, "created_at": "2026-11-21T00:00:00Z", "conclusion": "success"],
    ]
    static func ids(_ items: [Item]) -> [Double] { items.compactMap { $0.record?["id"]?.number } }

    @Test func keepsTheRecordWithTheGreatestTime() throws {
        #expect(Self.ids(try Harness.aggregate("latest", ["by": "created_at"], Self.runs.map(Item.record))) == [4])
    }

    @Test func countKeepsTheTopRecordsGreatestFirst() throws {
        #expect(
            Self.ids(try Harness.aggregate("latest", ["by": "created_at", "count": 3], Self.runs.map(Item.record))) == [
                4, 2, 5,
            ])
        #expect(
            Self.ids(try Harness.aggregate("latest", ["by": "created_at", "count": 10], Self.runs.map(Item.record)))
                == [4, 2, 5, 1])
    }

    @Test func numbersOrderToo() throws {
        let input: [JSON] = [["id": 1, "n": 5], ["id": 2, "n": "12"], ["id": 3, "n": 7]]
        #expect(Self.ids(try Harness.aggregate("latest", ["by": "n"], input.map(Item.record))) == [2])
    }

    @Test func onEqualValuesTheFirstReadWins() throws {
        let input: [JSON] = [
            ["id": 1, "t": "2026-11-23T00:00:00Z"], ["id": 2, "t": "2026-11-23T00:00:00Z"],
            ["id": 3, "t": "2026-11-22T00:00:00Z"],
        ]
        #expect(Self.ids(try Harness.aggregate("latest", ["by": "t"], input.map(Item.record))) == [1])
        #expect(
            Self.ids(try Harness.aggregate("latest", ["by": "t", "count": 2], input.map(Item.record), batchSize: 1))
                == [1, 2])
    }

    @Test func emptyInputEmitsNothing() throws {
        #expect(try Harness.aggregate("latest", ["by": "created_at"], []).isEmpty)
        #expect(try Harness.aggregate("latest", ["by": "created_at"], [.record(["created_at": nil])]).isEmpty)
    }

    @Test func testsPassingOnMainIsLatestThenFilterThenCount() throws {
        // github.ci.tests_passing_on_main: 1 if the latest completed run succeeded, else 0.
        let filter: JSON = ["where": [["field": "conclusion", "equals": "success"]]]
        func passing(_ runs: [JSON]) throws -> Double? {
            let latest = try Harness.aggregate("latest", ["by": "created_at"], runs.map(Item.record))
            let kept = try Harness.batch("filter", filter, latest)
            return try Harness.value("count", ["metric": "github.ci.tests_passing_on_main"], kept.compactMap(\.record))
        }
        #expect(try passing(Self.runs) == 1)
        #expect(try passing(Array(Self.runs.prefix(3))) == 0)
    }

    @Test func countMustBePositive() throws {
        let failure = Harness.failure("latest", ["by": "created_at", "count": 0])
        #expect(failure?.path == ["stages", "latest", "count"])
        #expect(failure?.message == "must be at least 1")
        let fraction = Harness.failure("latest", ["by": "created_at", "count": 1.5])
        #expect(fraction?.message == "expected a whole number, found 1.5")
    }
}
