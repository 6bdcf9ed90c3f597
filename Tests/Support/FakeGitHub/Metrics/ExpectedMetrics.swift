import Foundation

/// The 23 GitHub metrics of METRICS.md computed from the data model with plain loops: the
/// reference the collector's output is compared with.
///
/// Written from the metric definitions, independently of the engine. Counts are always present
/// (possibly 0); averages, ratios and percentiles are absent when there is nothing to average,
/// and `github.ci.tests_passing_on_main` is absent when no completed run exists on the default
/// branch (there is no run to judge).
extension FakeGitHubData {
    public func expectedMetrics(now: Date, workflowID: Int? = nil) -> [String: Double] {
        let windowStart = now.addingTimeInterval(-7 * 86_400)
        func inWindow(_ date: Date?) -> Bool {
            guard let date else { return false }
            return date >= windowStart && date <= now
        }
        var metrics: [String: Double] = [:]

        // Pull requests.
        var open = 0
        var merged = 0
        var closedUnmerged = 0
        var mergeHours: [Double] = []
        for pull in pulls {
            if pull.isOpen { open += 1 }
            if let mergedAt = pull.mergedAt, inWindow(mergedAt) {
                merged += 1
                mergeHours.append(mergedAt.timeIntervalSince(pull.createdAt) / 3600)
            }
            if pull.mergedAt == nil && inWindow(pull.closedAt) { closedUnmerged += 1 }
        }
        metrics["github.prs.open"] = Double(open)
        metrics["github.prs.merged_7d"] = Double(merged)
        metrics["github.prs.closed_without_merge_7d"] = Double(closedUnmerged)
        if !mergeHours.isEmpty {
            metrics["github.prs.avg_time_to_merge_hours"] = mergeHours.reduce(0, +) / Double(mergeHours.count)
        }

        // Branches.
        var otherBranches = 0
        for branch in branches where branch.name != defaultBranch { otherBranches += 1 }
        metrics["github.branches.active"] = Double(otherBranches)

        // Commits in the window.
        var commitCount = 0
        var hotfixes = 0
        var reverts = 0
        var authors = Set<String>()
        var added = 0
        var deleted = 0
        var paths = Set<String>()
        for commit in commits where inWindow(commit.committedAt) {
            commitCount += 1
            if commit.message.lowercased().contains("hotfix") { hotfixes += 1 }
            if commit.message.hasPrefix("Revert") { reverts += 1 }
            if let login = commit.authorLogin {
                authors.insert(login)
            } else {
                authors.insert(commit.authorEmail.lowercased())
            }
            added += commit.additions
            deleted += commit.deletions
            for path in commit.files { paths.insert(path) }
        }
        metrics["github.commits.total_7d"] = Double(commitCount)
        if !authors.isEmpty {
            metrics["github.commits.per_developer_7d"] = Double(commitCount) / Double(authors.count)
        }
        metrics["github.commits.hotfix"] = Double(hotfixes)
        metrics["github.commits.reverts"] = Double(reverts)
        metrics["github.developers.active_7d"] = Double(authors.count)
        metrics["github.code.lines_added_7d"] = Double(added)
        metrics["github.code.lines_deleted_7d"] = Double(deleted)
        metrics["github.code.files_changed_7d"] = Double(paths.count)

        // Workflow runs in the window.
        var runCount = 0
        var failed = 0
        var durations: [Double] = []
        for run in workflowRuns where inWindow(run.createdAt) {
            runCount += 1
            if run.conclusion == "failure" { failed += 1 }
            if run.status == "completed" {
                durations.append(run.updatedAt.timeIntervalSince(run.runStartedAt) / 60)
            }
        }
        metrics["github.ci.workflow_runs_7d"] = Double(runCount)
        metrics["github.ci.failed_workflows_7d"] = Double(failed)
        if !durations.isEmpty {
            metrics["github.ci.avg_workflow_duration_minutes"] = durations.reduce(0, +) / Double(durations.count)
            let percentiles: [(String, Double)] = [
                ("min", 0), ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95), ("max", 100),
            ]
            for (suffix, p) in percentiles {
                metrics["github.ci.workflow_duration_minutes." + suffix] = linearPercentile(durations, p)
            }
        }

        // The newest completed run on the default branch (any time, optionally one workflow).
        if let latest = latestCompletedRun(onBranch: defaultBranch, workflowID: workflowID) {
            metrics["github.ci.tests_passing_on_main"] = latest.conclusion == "success" ? 1 : 0
        }
        return metrics
    }

    /// The most recently created completed run on `branch` (ties: the higher id, i.e. later).
    public func latestCompletedRun(onBranch branch: String, workflowID: Int? = nil) -> FakeWorkflowRun? {
        var best: FakeWorkflowRun?
        for run in workflowRuns where run.headBranch == branch && run.status == "completed" {
            if let workflowID, run.workflowID != workflowID { continue }
            if let current = best, (current.createdAt, current.id) >= (run.createdAt, run.id) { continue }
            best = run
        }
        return best
    }
}
