import FakeGitHub
import Foundation
import Testing

@Suite("Workflow runs")
struct WorkflowRunsTests {
    static let data = FakeGitHubData.edgeCases(now: TestTime.now)
    static let windowStart = TestTime.now.addingTimeInterval(-7 * 86_400)

    @Test func createdFilterSyntax() throws {
        let day = try #require(CreatedFilter("2026-11-16"))
        #expect(day.contains(TestTime.date("2026-11-16T00:00:00Z")))
        #expect(day.contains(TestTime.date("2026-11-16T23:59:59Z")))
        #expect(!day.contains(TestTime.date("2026-11-17T00:00:00Z")))
        #expect(!day.contains(TestTime.date("2026-11-15T23:59:59Z")))

        let range = try #require(CreatedFilter("2026-11-16T05:30:00Z..2026-11-17T05:30:00Z"))
        #expect(range.contains(TestTime.date("2026-11-16T05:30:00Z")))
        #expect(range.contains(TestTime.date("2026-11-17T05:30:00Z")))
        #expect(!range.contains(TestTime.date("2026-11-17T05:30:01Z")))
        #expect(!range.contains(TestTime.date("2026-11-16T05:29:59Z")))

        let days = try #require(CreatedFilter("2026-11-16..2026-11-17"))
        #expect(days.contains(TestTime.date("2026-11-17T23:59:59Z")))
        #expect(!days.contains(TestTime.date("2026-11-18T00:00:00Z")))

        let atLeast = try #require(CreatedFilter(">=2026-11-16T05:30:00Z"))
        #expect(atLeast.contains(TestTime.date("2026-11-16T05:30:00Z")))
        #expect(!atLeast.contains(TestTime.date("2026-11-16T05:29:59Z")))
        let after = try #require(CreatedFilter(">2026-11-16T05:30:00Z"))
        #expect(!after.contains(TestTime.date("2026-11-16T05:30:00Z")))
        let afterDay = try #require(CreatedFilter(">2026-11-16"))
        #expect(!afterDay.contains(TestTime.date("2026-11-16T23:59:59Z")))
        #expect(afterDay.contains(TestTime.date("2026-11-17T00:00:00Z")))
        let atMostDay = try #require(CreatedFilter("<=2026-11-16"))
        #expect(atMostDay.contains(TestTime.date("2026-11-16T23:59:59Z")))
        #expect(!atMostDay.contains(TestTime.date("2026-11-17T00:00:00Z")))
        let before = try #require(CreatedFilter("<2026-11-16T05:30:00Z"))
        #expect(!before.contains(TestTime.date("2026-11-16T05:30:00Z")))
        #expect(before.contains(TestTime.date("2026-11-16T05:29:59Z")))
        let open = try #require(CreatedFilter("2026-11-16..*"))
        #expect(open.contains(TestTime.date("2030-01-01T00:00:00Z")))
        // An offset whose "+" was decoded to a space.
        let offset = try #require(CreatedFilter(">=2026-11-16T07:30:00 02:00"))
        #expect(offset.contains(TestTime.date("2026-11-16T05:30:00Z")))
        #expect(!offset.contains(TestTime.date("2026-11-16T05:29:59Z")))

        #expect(CreatedFilter("yesterday") == nil)
        #expect(CreatedFilter("2026-13-01") == nil)
        #expect(CreatedFilter(">=") == nil)
    }

    @Test func createdRangeIsInclusiveOverHTTP() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        // Two runs' exact creation times as the range ends: both are included.
        let runs = Self.data.workflowRuns.sorted { $0.createdAt > $1.createdAt }
        let newer = runs[10].createdAt
        let older = runs[20].createdAt
        let range = "\(GitHubDate.format(older))..\(GitHubDate.format(newer))"
        let response = try await TestHTTP().get(
            fake.baseURL + "/repos/octo-org/octo-repo/actions/runs?created=\(range)&per_page=100")
        #expect(response.status == 200)
        #expect(response.object["total_count"] as? Int == 11)
        let items = response.object["workflow_runs"] as? [[String: Any]] ?? []
        #expect(items.first?["created_at"] as? String == GitHubDate.format(newer))
        #expect(items.last?["created_at"] as? String == GitHubDate.format(older))
    }

    @Test func filteredListingsStopAtOneThousandResults() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let base = fake.baseURL + "/repos/octo-org/octo-repo/actions/runs?created=>=\(GitHubDate.format(Self.windowStart))"

        let first = try await http.get(base + "&per_page=100")
        #expect(first.object["total_count"] as? Int == 1_234)  // the true count
        #expect(first.links["last"]?.hasSuffix("page=10") == true)  // but only 1,000 reachable
        let tenth = try await http.get(base + "&per_page=100&page=10")
        #expect((tenth.object["workflow_runs"] as? [Any])?.count == 100)
        #expect(tenth.links["next"] == nil)
        let eleventh = try await http.get(base + "&per_page=100&page=11")
        #expect(eleventh.status == 200)
        #expect(eleventh.object["total_count"] as? Int == 1_234)
        #expect((eleventh.object["workflow_runs"] as? [Any])?.count == 0)

        // With 30 a page, the last reachable page holds the 991st to 1,000th results.
        let pageSize30 = try await http.get(base + "&per_page=30&page=34")
        #expect((pageSize30.object["workflow_runs"] as? [Any])?.count == 10)
        #expect(pageSize30.links["next"] == nil)

        // Following links reaches exactly 1,000 runs.
        let all = try await http.getAll(base + "&per_page=100") { $0.object["workflow_runs"] as? [[String: Any]] ?? [] }
        #expect(all.count == 1_000)

        // Any filter caps, e.g. status.
        let completed = try await http.get(
            fake.baseURL + "/repos/octo-org/octo-repo/actions/runs?status=completed&per_page=100&page=11")
        #expect((completed.object["workflow_runs"] as? [Any])?.count == 0)
    }

    @Test func unfilteredListingsAreNotCapped() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let total = Self.data.workflowRuns.count
        #expect(total > 1_000)
        let all = try await TestHTTP().getAll(fake.baseURL + "/repos/octo-org/octo-repo/actions/runs?per_page=100") {
            $0.object["workflow_runs"] as? [[String: Any]] ?? []
        }
        #expect(all.count == total)
        let created = all.compactMap { $0["created_at"] as? String }
        #expect(created == created.sorted(by: >))  // newest first
    }

    @Test func statusBranchAndWorkflowFilters() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        let http = TestHTTP()
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"
        func total(_ query: String, path: String = "/actions/runs") async throws -> Int? {
            try await http.get(repo + path + query).object["total_count"] as? Int
        }
        let runs = Self.data.workflowRuns
        #expect(try await total("?status=in_progress") == runs.filter { $0.status == "in_progress" }.count)
        #expect(try await total("?status=queued") == runs.filter { $0.status == "queued" }.count)
        #expect(try await total("?status=failure") == runs.filter { $0.conclusion == "failure" }.count)
        #expect(
            try await total("?branch=trunk&status=completed")
                == runs.filter { $0.headBranch == "trunk" && $0.status == "completed" }.count)
        #expect(try await total("?event=schedule") == runs.filter { $0.event == "schedule" }.count)
        let ci = runs.filter { $0.workflowID == FakeWorkflow.ci.id }.count
        #expect(try await total("", path: "/actions/workflows/1001/runs") == ci)
        #expect(try await total("", path: "/actions/workflows/ci.yml/runs") == ci)
        #expect(try await http.get(repo + "/actions/workflows/nope.yml/runs").status == 404)
        #expect(try await http.get(repo + "/actions/runs?created=someday").status == 422)

        // The newest completed run on trunk is the Lint failure the scenario planted.
        let latest = try await http.get(repo + "/actions/runs?branch=trunk&status=completed&per_page=1")
        let run = (latest.object["workflow_runs"] as? [[String: Any]])?.first
        #expect(run?["conclusion"] as? String == "failure")
        #expect(run?["name"] as? String == "Lint")
        #expect(run?["run_started_at"] is String && run?["updated_at"] is String)
    }
}
