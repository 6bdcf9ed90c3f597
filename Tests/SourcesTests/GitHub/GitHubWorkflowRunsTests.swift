import FakeGitHub
import Foundation
import Pipeline
import Testing

@testable import Sources

@Suite("github_workflow_runs")
struct GitHubWorkflowRunsTests {
    /// The fake's runs, newest first, as GitHub lists them.
    static func newestFirst(_ runs: [FakeWorkflowRun]) -> [FakeWorkflowRun] {
        runs.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    static func ids(_ records: [JSON]) -> [Int] { records.compactMap { $0.int("id") } }

    /// `from..to` ranges of the `created` parameter, as (from, to) seconds.
    static func createdRanges(_ bed: GitHubTestbed) -> Set<[Double]> {
        Set(
            bed.queries(matching: "/actions/runs").compactMap { query -> [Double]? in
                guard let text = query["created"], let dots = text.range(of: "..") else { return nil }
                guard let from = Timestamp.parse(String(text[..<dots.lowerBound])),
                    let to = Timestamp.parse(String(text[dots.upperBound...]))
                else { return nil }
                return [from, to]
            })
    }

    @Test("created_within 7d past the 1,000 cap: each run of the window exactly once, via split ranges, pages concurrent")
    func windowPastTheCap() async throws {
        try await GitHubTestbed.with(delay: .milliseconds(15)) { bed in
            let records = try await bed.run("github_workflow_runs", ["created_within": "7d"])
            let expected = bed.data.workflowRuns.filter { inLastWeek($0.createdAt) }.map(\.id)
            #expect(expected.count == 1_234, "the edge scenario puts 1,234 runs in the window")

            let ids = Self.ids(records)
            #expect(ids.count == records.count, "every record has an id")
            #expect(ids.count == expected.count, "no run missing, none twice")
            #expect(Set(ids) == Set(expected))

            // The whole window was asked first, then split into parts that tile it.
            let ranges = Self.createdRanges(bed)
            let window = [TestClock.now - 7 * 86_400, TestClock.now]
            #expect(ranges.contains(window))
            let parts = ranges.subtracting([window]).sorted { $0[0] < $1[0] }
            #expect(parts.count >= 2, "the 1,234-run window must be split: \(ranges)")
            #expect(parts.first?[0] == window[0] && parts.last?[1] == window[1])
            for (left, right) in zip(parts, parts.dropFirst()) {
                #expect(right[0] == left[1] + 1, "parts must abut without overlap: \(left) \(right)")
            }
            // No listing was read past GitHub's cap (no page beyond 1,000 results).
            for query in bed.queries(matching: "/actions/runs") {
                let page = Int(query["page"] ?? "1") ?? 1
                let perPage = Int(query["per_page"] ?? "30") ?? 30
                #expect((page - 1) * perPage < 1_000)
            }
            #expect(bed.fake.maxInFlight > 1, "pages of a part should be fetched concurrently")
        }
    }

    @Test("a window under the cap is read in one range, every page once")
    func windowUnderTheCap() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_workflow_runs", ["created_within": "1d", "per_page": 50])
            let expected = bed.data.workflowRuns.filter {
                $0.createdAt >= TestClock.date.addingTimeInterval(-86_400) && $0.createdAt <= TestClock.date
            }
            #expect(expected.count > 100 && expected.count < 1_000, "the test needs several pages under the cap")
            #expect(Self.ids(records).sorted() == expected.map(\.id).sorted())
            #expect(Self.createdRanges(bed).count == 1)
            let pages = bed.queries(matching: "/actions/runs").compactMap { $0["page"] }
            #expect(pages.sorted { Int($0)! < Int($1)! } == (1...(expected.count + 49) / 50).map(String.init))
        }
    }

    @Test("limit + branch {default_branch} + status completed: the newest completed runs of that branch")
    func limitNewestOfBranch() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run(
                "github_workflow_runs", ["limit": 3, "branch": "{default_branch}", "status": "completed"])
            let expected = Self.newestFirst(
                bed.data.workflowRuns.filter { $0.headBranch == "trunk" && $0.status == "completed" }
            ).prefix(3).map(\.id)
            #expect(Self.ids(records) == Array(expected), "newest first, exactly limit runs")
            #expect(records.allSatisfy { $0.str("head_branch") == "trunk" && $0.str("status") == "completed" })
            // The newest completed run on trunk is the failed Lint run, not the queued CI run after it.
            #expect(records.first?.str("conclusion") == "failure")

            let queries = bed.queries(matching: "/actions/runs")
            #expect(queries.count == 1, "one page of `limit` runs is enough")
            #expect(queries.first?["branch"] == "trunk")
            #expect(queries.first?["status"] == "completed")
            #expect(queries.first?["per_page"] == "3")
        }
    }

    @Test("a limit beyond one page reads pages in order and stops at the limit")
    func limitAcrossPages() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_workflow_runs", ["limit": 150, "branch": "{default_branch}"])
            let expected = Self.newestFirst(bed.data.workflowRuns.filter { $0.headBranch == "trunk" }).prefix(150)
            #expect(Self.ids(records) == expected.map(\.id))
            #expect(bed.fake.requests(matching: "/actions/runs") == 2, "100 + 50: two pages, then stop")
        }
    }

    @Test("a limit above what matches returns every match")
    func limitAboveMatches() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run(
                "github_workflow_runs", ["limit": 500, "branch": "feature/search-000", "per_page": 100])
            let expected = Self.newestFirst(bed.data.workflowRuns.filter { $0.headBranch == "feature/search-000" })
            #expect(!expected.isEmpty && expected.count < 500)
            #expect(Self.ids(records) == expected.map(\.id))
        }
    }

    @Test("workflow restricts the listing to that workflow's endpoint and runs")
    func workflowEndpoint() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_workflow_runs", ["workflow": "ci.yml", "created_within": "7d"])
            let expected = bed.data.workflowRuns.filter { $0.workflowID == FakeWorkflow.ci.id && inLastWeek($0.createdAt) }
            #expect(expected.count > 100, "several pages")
            #expect(Self.ids(records).count == expected.count)
            #expect(Set(Self.ids(records)) == Set(expected.map(\.id)))
            #expect(records.allSatisfy { $0.int("workflow_id") == FakeWorkflow.ci.id })

            let paths = Set(bed.fake.requestLog.map(\.path)).subtracting(["/repos/octo-org/octo-repo"])
            #expect(paths == ["/repos/octo-org/octo-repo/actions/workflows/ci.yml/runs"])
        }
    }

    @Test("without created_within or filters every run is listed: an unfiltered listing is not capped")
    func unfilteredListingIsComplete() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_workflow_runs", [:])
            #expect(bed.data.workflowRuns.count == 1_400)
            #expect(Self.ids(records).count == 1_400)
            #expect(Set(Self.ids(records)) == Set(bed.data.workflowRuns.map(\.id)))
        }
    }

    @Test("event is passed through to GitHub's filter")
    func eventFilter() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_workflow_runs", ["event": "schedule", "created_within": "7d"])
            let expected = bed.data.workflowRuns.filter { $0.event == "schedule" && inLastWeek($0.createdAt) }
            #expect(!expected.isEmpty)
            #expect(Set(Self.ids(records)) == Set(expected.map(\.id)) && records.count == expected.count)
            #expect(bed.queries(matching: "/actions/runs").allSatisfy { $0["event"] == "schedule" })
        }
    }

    @Test("a narrow field selection yields runs with only those fields, and the split still works")
    func narrowFields() async throws {
        try await GitHubTestbed.with { bed in
            let fields = FieldSelection([FieldPath("id")!, FieldPath("conclusion")!])
            let records = try await bed.run("github_workflow_runs", ["created_within": "7d"], fields: fields)
            #expect(records.count == 1_234, "total_count must survive the selection, or the cap is missed")
            #expect(records.allSatisfy { $0.keys == ["id", "conclusion"] })
        }
    }

    @Test("add_fields renders the input record's fields onto each run")
    func addFields() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run(
                "github_workflow_runs", ["limit": 4, "add_fields": ["default_branch": "{default_branch}"]])
            #expect(records.count == 4)
            #expect(records.allSatisfy { $0.str("default_branch") == "trunk" })
        }
    }

    @Test("5xx bursts are retried and the window is still exact")
    func exactUnderServerErrors() async throws {
        let faults = FaultPlan(rules: [
            .init(.serverError(status: 502), every: 5, offset: 2),
            .init(.serverError(status: 503), every: 8, offset: 4, burst: 2),
        ])
        try await GitHubTestbed.with(faults: faults) { bed in
            let records = try await bed.run("github_workflow_runs", ["created_within": "7d"])
            let expected = bed.data.workflowRuns.filter { inLastWeek($0.createdAt) }.map(\.id)
            #expect(Self.ids(records).count == expected.count)
            #expect(Set(Self.ids(records)) == Set(expected))
            let statuses = Set(bed.fake.requestLog.map(\.status))
            #expect(statuses.contains(502) && statuses.contains(503), "the faults should have fired")
        }
    }

    @Test("limit below 1 is rejected at its path", arguments: [0, -1])
    func limitValidation(limit: Int) {
        let failure = optionsFailure("github_workflow_runs", ["limit": .number(Double(limit))])
        #expect(failure?.path == ["stages", "under_test", "limit"])
    }

    @Test("per_page outside 1…100 is rejected at its path", arguments: [0, 101])
    func perPageValidation(perPage: Int) {
        let failure = optionsFailure("github_workflow_runs", ["per_page": .number(Double(perPage))])
        #expect(failure?.path == ["stages", "under_test", "per_page"])
        #expect(failure?.message.contains("\(perPage)") == true)
    }

    @Test("a misspelt option is rejected with a suggestion")
    func misspeltOption() {
        let failure = optionsFailure("github_workflow_runs", ["created_whithin": "7d"])
        #expect(failure?.path == ["stages", "under_test", "created_whithin"])
        #expect(failure?.message.contains("created_within") == true)
    }

    @Test("a created_within that is not a span is rejected at its path")
    func badSpan() {
        let failure = optionsFailure("github_workflow_runs", ["created_within": "a week"])
        #expect(failure?.path == ["stages", "under_test", "created_within"])
    }
}
