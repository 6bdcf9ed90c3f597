import FakeGitHub
import Foundation
import Testing

/// The edge scenario really contains each edge case it promises (asserted on the data).
@Suite("Edge scenario contents")
struct EdgeScenarioTests {
    static let now = TestTime.now
    static let data = FakeGitHubData.edgeCases(now: now)
    static let windowStart = now.addingTimeInterval(-7 * 86_400)
    static func inWindow(_ date: Date?) -> Bool { date.map { $0 >= windowStart && $0 <= now } ?? false }
    static let windowCommits = data.commits.filter { inWindow($0.committedAt) }

    @Test func defaultBranchIsNotMain() {
        #expect(Self.data.defaultBranch == "trunk")
        #expect(Self.data.branches.contains { $0.name == "main" })  // a trap for hard-coded "main"
        #expect(Self.data.branches.count == 130)  // more than a page of 100
        #expect(Set(Self.data.branches.map(\.name)).count == 130)
    }

    @Test func commitAuthors() {
        let unlinked = Self.windowCommits.filter { $0.authorLogin == nil }
        #expect(unlinked.count >= 4)
        #expect(unlinked.contains { $0.authorEmail != $0.authorEmail.lowercased() })
        // One unlinked person, several commits, differently cased emails.
        let ghost = unlinked.filter { $0.authorEmail.lowercased() == "dev.ghost@example.com" }
        #expect(ghost.count == 3)
        #expect(Set(ghost.map(\.authorEmail)).count == 3)
        // One linked person with two emails.
        #expect(Set(Self.windowCommits.filter { $0.authorLogin == "bob" }.map(\.authorEmail)).count == 2)
        #expect(Self.windowCommits.filter { $0.authorLogin == "alice" }.count >= 2)
        // Authored before the window, committed inside it.
        #expect(Self.windowCommits.contains { $0.authoredAt < Self.windowStart })
    }

    @Test func commitMessages() {
        let messages = Self.windowCommits.map(\.message)
        for spelling in ["HOTFIX", "hotfix", "HotFix"] {
            #expect(messages.contains { $0.contains(spelling) }, "\(spelling)")
        }
        #expect(messages.contains { $0.contains("\n\n") && $0.lowercased().contains("hotfix") })  // in the body
        #expect(messages.contains { $0.lowercased().contains("hot fix") })  // not a hotfix
        #expect(messages.filter { $0.hasPrefix("Revert") }.count == 2)
        #expect(messages.contains { !$0.hasPrefix("Revert") && $0.contains("revert") })
        #expect(messages.contains { $0.hasPrefix("Merge") && $0.contains("Revert") })
        #expect(messages.filter { $0.lowercased().contains("hotfix") }.count == 5)
    }

    @Test func commitShapes() {
        #expect(Self.windowCommits.count == 112)  // more than a page of 100
        #expect(Self.windowCommits.contains { $0.files.count >= 350 })
        #expect(Self.windowCommits.filter(\.isMerge).count == 2)
        #expect(Self.windowCommits.contains { $0.committedAt == Self.windowStart })  // inclusive boundary
        var seen: [String: Int] = [:]
        for commit in Self.windowCommits { for path in commit.files { seen[path, default: 0] += 1 } }
        #expect(seen.values.contains { $0 > 1 })  // paths repeat across commits
        // Just outside the window, with messages that would count inside it.
        let outside = Self.data.commits.filter {
            $0.committedAt < Self.windowStart && $0.committedAt > Self.windowStart.addingTimeInterval(-86_400)
        }
        #expect(outside.count == 2)
        #expect(outside.contains { $0.committedAt == Self.windowStart.addingTimeInterval(-1) })
        #expect(outside.contains { $0.message.hasPrefix("Revert") })
    }

    @Test func workflowRuns() {
        let runs = Self.data.workflowRuns
        let window = runs.filter { Self.inWindow($0.createdAt) }
        #expect(window.count == 1_234)
        #expect(runs.count - window.count == 166)
        #expect(window.contains { $0.createdAt == Self.windowStart })
        #expect(runs.contains { $0.createdAt == Self.windowStart.addingTimeInterval(-1) })
        // Created before the window, finished inside it: not a run in the window.
        #expect(runs.contains { $0.createdAt < Self.windowStart && $0.updatedAt > Self.windowStart })
        #expect(window.filter { $0.status == "in_progress" }.count == 3)
        #expect(window.filter { $0.status == "queued" }.count == 2)
        #expect(window.filter { !$0.isCompleted }.allSatisfy { $0.conclusion == nil })
        for conclusion in ["failure", "cancelled", "skipped", "timed_out", "success"] {
            #expect(window.contains { $0.conclusion == conclusion }, "\(conclusion)")
        }
        #expect(window.contains { $0.runAttempt > 1 && $0.runStartedAt.timeIntervalSince($0.createdAt) > 3000 })
        #expect(Set(runs.map(\.id)).count == runs.count)
        #expect(Set(runs.map(\.createdAt)).count == runs.count)  // "newest" is never a tie
        #expect(runs.allSatisfy { $0.runStartedAt <= $0.updatedAt && $0.updatedAt <= Self.now })
    }

    @Test func latestRunOnTheDefaultBranch() throws {
        let byNewest = Self.data.workflowRuns.sorted { $0.createdAt > $1.createdAt }
        // The newest run on trunk is unfinished; a newer completed success exists on "main" and on
        // a feature branch; the newest completed run on trunk failed.
        let newestTrunk = try #require(byNewest.first { $0.headBranch == "trunk" })
        #expect(!newestTrunk.isCompleted)
        let latest = try #require(Self.data.latestCompletedRun(onBranch: "trunk"))
        #expect(latest.conclusion == "failure")
        #expect(
            byNewest.contains {
                $0.headBranch == "main" && $0.isCompleted && $0.conclusion == "success" && $0.createdAt > latest.createdAt
            })
        #expect(
            byNewest.contains {
                $0.headBranch.hasPrefix("feature/") && $0.conclusion == "success" && $0.createdAt > latest.createdAt
            })
        #expect(Self.data.latestCompletedRun(onBranch: "trunk", workflowID: FakeWorkflow.ci.id)?.conclusion == "success")
    }

    @Test func pullRequests() {
        let pulls = Self.data.pulls
        #expect(pulls.filter(\.isOpen).count == 12)
        #expect(pulls.filter { $0.isOpen && $0.draft }.count == 3)
        #expect(pulls.filter { $0.isOpen && $0.updatedAt < Self.windowStart }.count >= 1)
        let merged = pulls.filter { Self.inWindow($0.mergedAt) }
        #expect(merged.count == 9)
        #expect(merged.contains { $0.mergedAt == Self.windowStart })
        #expect(merged.contains { $0.createdAt < Self.windowStart })
        #expect(merged.contains { $0.baseRef == "main" })
        #expect(pulls.filter { $0.mergedAt == nil && Self.inWindow($0.closedAt) }.count == 4)
        // Closed long ago, updated this week: must not count.
        let oldButUpdated = pulls.filter {
            !$0.isOpen && $0.closedAt! < Self.windowStart && Self.inWindow($0.updatedAt)
        }
        #expect(oldButUpdated.count == 6)  // 5 long ago + 1 merged just before the window
        #expect(oldButUpdated.contains { $0.mergedAt != nil } && oldButUpdated.contains { $0.mergedAt == nil })
        // Merged just before the window.
        let justBefore = pulls.filter {
            guard let mergedAt = $0.mergedAt else { return false }
            return mergedAt < Self.windowStart && mergedAt > Self.windowStart.addingTimeInterval(-86_400)
        }
        #expect(justBefore.count == 2)
        #expect(justBefore.contains { $0.mergedAt == Self.windowStart.addingTimeInterval(-1) })
        #expect(pulls.filter { !$0.isOpen }.count > 100)  // the closed listing pages
        #expect(pulls.allSatisfy { $0.mergedAt == nil || $0.mergedAt == $0.closedAt })
        #expect(Set(pulls.map(\.number)).count == pulls.count)
    }

    @Test func expectedValuesOfTheEdgeScenario() {
        let metrics = Self.data.expectedMetrics(now: Self.now)
        #expect(metrics.count == 23)
        #expect(metrics["github.prs.open"] == 12)
        #expect(metrics["github.prs.merged_7d"] == 9)
        #expect(metrics["github.prs.closed_without_merge_7d"] == 4)
        #expect(metrics["github.branches.active"] == 129)
        #expect(metrics["github.commits.total_7d"] == 112)
        #expect(metrics["github.commits.hotfix"] == 5)
        #expect(metrics["github.commits.reverts"] == 2)
        #expect(metrics["github.developers.active_7d"] == 8)
        #expect(metrics["github.commits.per_developer_7d"] == 14)
        #expect(metrics["github.ci.workflow_runs_7d"] == 1_234)
        #expect(metrics["github.ci.tests_passing_on_main"] == 0)
    }

    @Test func benchmarkScenarioSizes() {
        let data = FakeGitHubData.benchmark(now: Self.now)
        let metrics = data.expectedMetrics(now: Self.now)
        #expect(metrics["github.prs.open"] == 128)
        #expect(metrics["github.prs.merged_7d"]! + metrics["github.prs.closed_without_merge_7d"]! == 126)
        #expect(data.pulls.filter { !$0.isOpen }.count == 126 + 2_000)
        #expect(data.branches.count == 1_162)
        #expect(metrics["github.commits.total_7d"] == 91)
        #expect(metrics["github.ci.workflow_runs_7d"] == 2_500)
    }
}
