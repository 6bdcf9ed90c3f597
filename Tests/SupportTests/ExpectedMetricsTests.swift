import FakeGitHub
import Foundation
import Testing

/// `expectedMetrics` against values worked out by hand for a tiny repository.
@Suite("Expected metrics")
struct ExpectedMetricsTests {
    static func t(_ text: String) -> Date { TestTime.date(text) }
    // Window: [2026-01-03T00:00:00Z, 2026-01-10T00:00:00Z].
    static let now = t("2026-01-10T00:00:00Z")

    static func commit(
        _ sha: String, _ date: String, login: String?, email: String = "x@example.com", _ message: String,
        add: Int, del: Int, files: [String], merge: Bool = false
    ) -> FakeCommit {
        FakeCommit(
            sha: sha, message: message, authorLogin: login, authorName: "N", authorEmail: email, authoredAt: t(date),
            committedAt: t(date), additions: add, deletions: del, files: files,
            parents: merge ? ["p1", "p2"] : ["p1"])
    }

    static func run(
        _ id: Int, _ created: String, branch: String, status: String = "completed", _ conclusion: String?,
        minutes: Double
    ) -> FakeWorkflowRun {
        let start = t(created).addingTimeInterval(60)
        return FakeWorkflowRun(
            id: id, workflowID: 1001, name: "CI", headBranch: branch, headSHA: "s", status: status,
            conclusion: conclusion, createdAt: t(created), runStartedAt: start,
            updatedAt: start.addingTimeInterval(minutes * 60), runNumber: id)
    }

    static func pull(
        _ number: Int, created: String, updated: String? = nil, closed: String? = nil, merged: Bool = false,
        draft: Bool = false
    ) -> FakePullRequest {
        FakePullRequest(
            number: number, title: "PR \(number)", authorLogin: "a", draft: draft, createdAt: t(created),
            updatedAt: t(updated ?? closed ?? created), closedAt: closed.map(t), mergedAt: merged ? closed.map(t) : nil,
            headRef: "f\(number)", baseRef: "trunk", headSHA: "h")
    }

    static let tiny = FakeGitHubData(
        defaultBranch: "trunk",
        pulls: [
            pull(1, created: "2026-01-01T00:00:00Z", draft: true),  // open
            pull(2, created: "2026-01-09T00:00:00Z"),  // open
            pull(3, created: "2026-01-04T00:00:00Z", closed: "2026-01-05T00:00:00Z", merged: true),  // 24 h
            pull(4, created: "2026-01-02T12:00:00Z", closed: "2026-01-03T00:00:00Z", merged: true),  // 12 h, boundary
            pull(5, created: "2026-01-08T00:00:00Z", closed: "2026-01-09T12:00:00Z"),  // closed unmerged
            pull(6, created: "2026-01-01T00:00:00Z", closed: "2026-01-02T23:59:59Z", merged: true),  // outside
            pull(7, created: "2025-11-01T00:00:00Z", updated: "2026-01-08T00:00:00Z", closed: "2025-12-01T00:00:00Z"),
        ],
        branches: [FakeBranch(name: "trunk", sha: "c1"), FakeBranch(name: "main", sha: "c5"), FakeBranch(name: "x", sha: "c2")],
        commits: [
            commit("c1", "2026-01-09T00:00:00Z", login: "alice", "Fix HOTFIX thing", add: 10, del: 2, files: ["a", "b"]),
            commit(
                "c2", "2026-01-08T00:00:00Z", login: nil, email: "Ghost@X.io", "Revert \"c0\"", add: 1, del: 5,
                files: ["a"]),
            commit(
                "c3", "2026-01-07T00:00:00Z", login: nil, email: "ghost@x.io", "Merge, mentions revert", add: 0,
                del: 0, files: ["c"], merge: true),
            commit("c4", "2026-01-03T00:00:00Z", login: "bob", "hotfix", add: 3, del: 0, files: ["d"]),
            commit("c5", "2026-01-02T23:59:59Z", login: "carol", "Revert hotfix", add: 100, del: 100, files: ["e"]),
        ],
        workflowRuns: [
            run(1, "2026-01-09T10:00:00Z", branch: "trunk", "success", minutes: 10),
            run(2, "2026-01-08T00:00:00Z", branch: "trunk", "failure", minutes: 20),
            run(3, "2026-01-07T00:00:00Z", branch: "main", "success", minutes: 30),
            run(4, "2026-01-09T12:00:00Z", branch: "trunk", status: "in_progress", nil, minutes: 5),
            run(5, "2026-01-09T11:00:00Z", branch: "feature", "cancelled", minutes: 40),
            run(6, "2026-01-02T00:00:00Z", branch: "trunk", "failure", minutes: 100),
        ])

    @Test func tinyRepository() {
        let metrics = Self.tiny.expectedMetrics(now: Self.now)
        let expected: [String: Double] = [
            "github.prs.open": 2,
            "github.prs.merged_7d": 2,
            "github.prs.closed_without_merge_7d": 1,
            "github.prs.avg_time_to_merge_hours": 18,
            "github.branches.active": 2,
            "github.commits.total_7d": 4,
            "github.commits.per_developer_7d": 4.0 / 3.0,  // alice, bob, ghost@x.io
            "github.commits.hotfix": 2,
            "github.commits.reverts": 1,
            "github.developers.active_7d": 3,
            "github.code.lines_added_7d": 14,
            "github.code.lines_deleted_7d": 7,
            "github.code.files_changed_7d": 4,
            "github.ci.workflow_runs_7d": 5,
            "github.ci.failed_workflows_7d": 1,
            "github.ci.avg_workflow_duration_minutes": 25,  // 10, 20, 30, 40
            "github.ci.workflow_duration_minutes.min": 10,
            "github.ci.workflow_duration_minutes.p50": 25,  // position 1.5
            "github.ci.workflow_duration_minutes.p75": 32.5,  // position 2.25
            "github.ci.workflow_duration_minutes.p90": 37,  // position 2.7
            "github.ci.workflow_duration_minutes.p95": 38.5,  // position 2.85
            "github.ci.workflow_duration_minutes.max": 40,
            "github.ci.tests_passing_on_main": 1,  // run 1: newest completed on trunk
        ]
        #expect(metrics.count == 23)
        #expect(Set(metrics.keys) == Set(expected.keys))
        for (key, value) in expected {
            #expect(abs((metrics[key] ?? .nan) - value) < 1e-9, "\(key): \(metrics[key] ?? .nan) != \(value)")
        }
    }

    @Test func averagesAreAbsentWhenThereIsNothingToAverage() {
        let metrics = FakeGitHubData(defaultBranch: "trunk").expectedMetrics(now: Self.now)
        for key in [
            "github.prs.avg_time_to_merge_hours", "github.commits.per_developer_7d",
            "github.ci.avg_workflow_duration_minutes", "github.ci.workflow_duration_minutes.p50",
            "github.ci.workflow_duration_minutes.min", "github.ci.workflow_duration_minutes.max",
            "github.ci.tests_passing_on_main",
        ] {
            #expect(metrics[key] == nil, "\(key)")
        }
        #expect(metrics["github.prs.open"] == 0)
        #expect(metrics["github.commits.total_7d"] == 0)
        #expect(metrics["github.developers.active_7d"] == 0)
        #expect(metrics["github.ci.workflow_runs_7d"] == 0)
    }

    @Test func percentileMatchesNumpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 25, 50, 90, 100]) == [1, 2, 3, 7.6, 10]
        let values: [Double] = [10, 3, 1, 4, 2]
        #expect(linearPercentile(values, 0) == 1)
        #expect(linearPercentile(values, 25) == 2)
        #expect(linearPercentile(values, 50) == 3)
        #expect(abs(linearPercentile(values, 90)! - 7.6) < 1e-12)
        #expect(linearPercentile(values, 100) == 10)
        #expect(linearPercentile([5], 95) == 5)
        #expect(linearPercentile([], 50) == nil)
    }

    @Test func restrictingToOneWorkflow() {
        let data = FakeGitHubData.edgeCases(now: TestTime.now)
        #expect(data.expectedMetrics(now: TestTime.now)["github.ci.tests_passing_on_main"] == 0)
        #expect(data.expectedMetrics(now: TestTime.now, workflowID: FakeWorkflow.ci.id)["github.ci.tests_passing_on_main"] == 1)
    }

    @Test func scenariosAreDeterministic() {
        let a = FakeGitHubData.edgeCases(now: TestTime.now)
        let b = FakeGitHubData.edgeCases(now: TestTime.now)
        #expect(a.commits == b.commits && a.pulls == b.pulls && a.workflowRuns == b.workflowRuns && a.branches == b.branches)
        #expect(a.expectedMetrics(now: TestTime.now) == b.expectedMetrics(now: TestTime.now))
        let c = FakeGitHubData.benchmark(now: TestTime.now)
        let d = FakeGitHubData.benchmark(now: TestTime.now)
        #expect(c.commits == d.commits && c.workflowRuns == d.workflowRuns)
    }
}
