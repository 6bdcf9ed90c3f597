import FakeGitHub
import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import Storage
import Testing

@testable import Sources

@Suite("github_workflow_runs")
struct GitHubWorkflowRunsTests {
    /// The fake's runs, newest first, as GitHub lists them.
    static func newestFirst(_ runs: [FakeWorkflowRun]) -> [FakeWorkflowRun] {
        runs.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    static func ids(_ records: [JSON]) -> [Int] { records.compactMap { $0.int("id") } }

    /// Ranges of the `created` parameter as [from, to] seconds: `from..to`, or `>=from` with `to` infinite.
    static func createdRanges(_ bed: GitHubTestbed) -> Set<[Double]> {
        Set(
            bed.queries(matching: "/actions/runs").compactMap { query -> [Double]? in
                guard let text = query["created"] else { return nil }
                if text.hasPrefix(">=") { return Timestamp.parse(String(text.dropFirst(2))).map { [$0, .infinity] } }
                guard let dots = text.range(of: "..") else { return nil }
                guard let from = Timestamp.parse(String(text[..<dots.lowerBound])),
                    let to = Timestamp.parse(String(text[dots.upperBound...]))
                else { return nil }
                return [from, to]
            })
    }

    /// What a 7-day listing at the test clock returns: every run from the start of the UTC day a
    /// week ago on (the `window` stage after it keeps the count exact).
    static func fromWeekAgoDay(_ runs: [FakeWorkflowRun]) -> [Int] {
        runs.filter { $0.createdAt.seconds >= TestClock.weekAgoDay }.map(\.id)
    }

    /// Checks that `parts` (sorted) tile `window` without overlap, at UTC day boundaries, each probed
    /// at most to the cap.
    static func expectDayParts(_ bed: GitHubTestbed, window: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        let parts = createdRanges(bed).subtracting([window]).sorted { $0[0] < $1[0] }
        #expect(parts.count >= 2, "the window must be split: \(parts)", sourceLocation: sourceLocation)
        #expect(parts.first?[0] == window[0] && parts.last?[1] == window[1], sourceLocation: sourceLocation)
        for (left, right) in zip(parts, parts.dropFirst()) {
            #expect(right[0] == left[1] + 1, "parts must abut without overlap: \(left) \(right)", sourceLocation: sourceLocation)
        }
        for part in parts {
            #expect(
                part[0].truncatingRemainder(dividingBy: 86_400) == 0, "parts start at UTC midnight: \(part)",
                sourceLocation: sourceLocation)
            #expect(
                part[1] == window[1] || part[1] - part[0] == 86_399, "whole days but the last: \(part)",
                sourceLocation: sourceLocation)
        }
        // No listing was read past GitHub's cap (no page beyond 1,000 results).
        for query in bed.queries(matching: "/actions/runs") {
            let page = Int(query["page"] ?? "1") ?? 1
            let perPage = Int(query["per_page"] ?? "30") ?? 30
            #expect((page - 1) * perPage < 1_000, sourceLocation: sourceLocation)
        }
    }

    @Test(
        "created_within 7d past the 1,000 cap: each run exactly once, via whole UTC days, the last open-ended, pages concurrent")
    func windowPastTheCap() async throws {
        try await GitHubTestbed.with(delay: .milliseconds(15)) { bed in
            let records = try await bed.run("github_workflow_runs", ["created_within": "7d"])
            #expect(
                bed.data.workflowRuns.filter { inLastWeek($0.createdAt) }.count == 1_234,
                "the edge scenario puts 1,234 runs in the window")
            let expected = Self.fromWeekAgoDay(bed.data.workflowRuns)

            let ids = Self.ids(records)
            #expect(ids.count == records.count, "every record has an id")
            #expect(ids.count == expected.count, "no run missing, none twice")
            #expect(Set(ids) == Set(expected))

            // The whole range (from the UTC day a week ago, open-ended) was asked first, then split
            // into whole days that tile it, today's open-ended.
            let window = [TestClock.weekAgoDay, Double.infinity]
            #expect(Self.createdRanges(bed).contains(window))
            Self.expectDayParts(bed, window: window)
            #expect(Self.createdRanges(bed).count == 9, "the range and 8 days: \(Self.createdRanges(bed))")
            #expect(bed.fake.maxInFlight > 1, "pages of a part should be fetched concurrently")
        }
    }

    @Test("a backfill (the run's clock more than a day before the wall clock) keeps the exact upper bound")
    func backfillKeepsUpperBound() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run(
                "github_workflow_runs", ["created_within": "7d"], startedAt: TestClock.now + 30 * 86_400)
            let expected = bed.data.workflowRuns.filter {
                $0.createdAt.seconds >= TestClock.weekAgoDay && $0.createdAt <= TestClock.date
            }
            #expect(Set(Self.ids(records)) == Set(expected.map(\.id)) && records.count == expected.count)
            let window = [TestClock.weekAgoDay, TestClock.now]
            #expect(Self.createdRanges(bed).contains(window))
            Self.expectDayParts(bed, window: window)
        }
    }

    @Test("a day past the cap is split further at hour boundaries: each run exactly once")
    func busyDaySplitByHours() async throws {
        var data = FakeGitHubData.edgeCases(now: TestClock.date)
        let template = try #require(data.workflowRuns.first { $0.status == "completed" })
        let busyDay = TestClock.weekAgoDay + 3 * 86_400
        let firstID = (data.workflowRuns.map(\.id).max() ?? 0) + 1
        for i in 0..<1_100 {
            var run = template
            run.id = firstID + i
            run.runNumber = 100_000 + i
            // Spread over the day, a few runs on the hour (the boundary itself).
            let created = Date(timeIntervalSince1970: busyDay + Double(i % 24) * 3_600 + Double(i / 24 % 60) * 60)
            run.createdAt = created
            run.runStartedAt = created.addingTimeInterval(10)
            run.updatedAt = created.addingTimeInterval(300)
            data.workflowRuns.append(run)
        }
        try await GitHubTestbed.with(data: data) { bed in
            let records = try await bed.run("github_workflow_runs", ["created_within": "7d"])
            let expected = Self.fromWeekAgoDay(bed.data.workflowRuns)
            #expect(Self.ids(records).count == expected.count, "no run missing, none twice")
            #expect(Set(Self.ids(records)) == Set(expected))
            let ranges = Self.createdRanges(bed)
            #expect(ranges.contains([busyDay, busyDay + 86_399]), "the busy day was probed whole")
            let hours = ranges.filter { $0[0] >= busyDay && $0[1] < busyDay + 86_400 && $0[1] - $0[0] == 3_599 }
            #expect(hours.count == 24, "then split into its 24 hours: \(hours.count)")
            #expect(hours.allSatisfy { $0[0].truncatingRemainder(dividingBy: 3_600) == 0 })
        }
    }

    @Test("a live window of several pages under the cap is read by UTC day: each run once, each part's pages once")
    func windowUnderTheCapSplitByDay() async throws {
        try await GitHubTestbed.with { bed in
            let records = try await bed.run("github_workflow_runs", ["created_within": "1d", "per_page": 50])
            let dayAgoDay = ((TestClock.now - 86_400) / 86_400).rounded(.down) * 86_400
            let today = dayAgoDay + 86_400
            let expected = bed.data.workflowRuns.filter { $0.createdAt.seconds >= dayAgoDay }
            #expect(expected.count > 100 && expected.count < 1_000, "the test needs several pages under the cap")
            #expect(Self.ids(records).sorted() == expected.map(\.id).sorted())
            // The whole range is asked once (its total), then yesterday and today (open-ended).
            #expect(Self.createdRanges(bed) == [[dayAgoDay, .infinity], [dayAgoDay, today - 1], [today, .infinity]])
            let yesterday = expected.filter { $0.createdAt.seconds < today }.count
            let pages = bed.queries(matching: "/actions/runs").filter { $0["created"] != ">=" + Timestamp.format(dayAgoDay) }
            #expect(pages.count == (yesterday + 49) / 50 + (expected.count - yesterday + 49) / 50, "every part's pages once")
        }
    }

    @Test("warm, after a new run: past days' pages answer 304 and only today's part and the total are fetched")
    func newRunRefetchesOnlyToday() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runs-cache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = try ResponseCache(path: dir + "/state.sqlite")
        try await GitHubTestbed.with { bed in
            let repository = try await bed.repositoryRecord()
            let source = try makeSource("github_workflow_runs", bed.withToken(["created_within": "3d", "per_page": 50]))
            func read() async throws -> [Int] {
                let collector = ItemCollector()
                var context = makeContext(http: bed.http)
                context.services[ResponseCache.self] = cache
                try await source.run(input: repository, output: Output(collectingInto: collector), context: context)
                return Self.ids(collector.records)
            }
            let cold = try await read()
            let before = bed.fake.requestCount
            let newID = bed.data.workflowRuns.map(\.id).max()! + 1
            bed.fake.update { data in
                var run = data.workflowRuns.max { $0.createdAt < $1.createdAt }!
                run.id = newID
                run.createdAt = TestClock.date.addingTimeInterval(-60)
                data.workflowRuns.append(run)
            }
            let warm = try await read()
            #expect(warm.count == cold.count + 1)
            #expect(Set(warm) == Set(cold).union([newID]), "exactly a cold read's runs")
            let log = bed.fake.requestLog.dropFirst(before).filter { $0.path.hasSuffix("/actions/runs") }
            let fetched = log.filter { $0.status == 200 }.map {
                HTTPRequestHead(method: $0.method, target: $0.target).query["created"] ?? ""
            }
            let todayStart = Timestamp.format((TestClock.now / 86_400).rounded(.down) * 86_400)
            let windowStart = Timestamp.format(((TestClock.now - 3 * 86_400) / 86_400).rounded(.down) * 86_400)
            #expect(Set(fetched) == [">=" + todayStart, ">=" + windowStart], "\(fetched)")
            #expect(log.filter { $0.status == 304 }.count >= 3, "the past days' pages revalidate")
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
            let expected = bed.data.workflowRuns.filter {
                $0.workflowID == FakeWorkflow.ci.id && $0.createdAt.seconds >= TestClock.weekAgoDay
            }
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
            let expected = bed.data.workflowRuns.filter { $0.event == "schedule" && $0.createdAt.seconds >= TestClock.weekAgoDay }
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
            #expect(
                records.count == Self.fromWeekAgoDay(bed.data.workflowRuns).count,
                "total_count must survive the selection, or the cap is missed")
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
            let expected = Self.fromWeekAgoDay(bed.data.workflowRuns)
            #expect(Self.ids(records).count == expected.count)
            #expect(Set(Self.ids(records)) == Set(expected))
            let statuses = Set(bed.fake.requestLog.map(\.status))
            #expect(statuses.contains(502) && statuses.contains(503), "the faults should have fired")
        }
    }

    @Test("CreatedRange cuts at UTC days, then hours, then minutes; open ranges stay open and stop past now")
    func createdRangeParts() throws {
        let day = Int(TestClock.weekAgoDay)
        let now = day + 2 * 86_400 + 5 * 3_600 + 30
        // Open-ended, three days: two whole days and the current one, open.
        #expect(
            CreatedRange(from: day, to: nil).parts(now: now) == [
                CreatedRange(from: day, to: day + 86_399), CreatedRange(from: day + 86_400, to: day + 172_799),
                CreatedRange(from: day + 172_800, to: nil),
            ])
        #expect(CreatedRange(from: day, to: nil).query == ">=" + Timestamp.format(Double(day)))
        // A closed range ends at its own end (a backfill's clock).
        #expect(CreatedRange(from: day, to: now).parts(now: now)?.last == CreatedRange(from: day + 172_800, to: now))
        // One whole day: its 24 hours.
        let hours = try #require(CreatedRange(from: day, to: day + 86_399).parts(now: now))
        #expect(hours.count == 24 && hours.allSatisfy { $0.to! - $0.from == 3_599 })
        // Today, open: its hours up to now's, the last open.
        let today = try #require(CreatedRange(from: day + 172_800, to: nil).parts(now: now))
        #expect(today.count == 6 && today.last == CreatedRange(from: day + 172_800 + 5 * 3_600, to: nil))
        // One hour: minutes; one second cannot be cut.
        #expect(CreatedRange(from: day, to: day + 3_599).parts(now: now)?.count == 60)
        #expect(CreatedRange(from: day, to: day).parts(now: now) == nil)
        // An open range at now is cut just after it, and nothing after now is cut further.
        #expect(
            CreatedRange(from: now, to: nil).parts(now: now) == [
                CreatedRange(from: now, to: now), CreatedRange(from: now + 1, to: nil),
            ])
        #expect(CreatedRange(from: now + 1, to: nil).parts(now: now) == nil)
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
