import FakeGitHub
import Foundation
import Testing

/// Walks the fake's API the way a collector would (plain sequential code) and checks that what
/// it serves yields exactly `expectedMetrics`: the served data and the reference values agree.
@Suite("Reference walk")
struct ReferenceWalkTests {
    static let now = TestTime.now

    @Test(arguments: ["edge", "benchmark"])
    func servedDataYieldsTheExpectedMetrics(scenario: String) async throws {
        let data = scenario == "edge" ? FakeGitHubData.edgeCases(now: Self.now) : .benchmark(now: Self.now)
        let fake = try FakeGitHub(data: data, token: "t0ken")
        defer { fake.stop() }
        let walked = try await Self.walk(fake.baseURL + "/repos/octo-org/octo-repo", now: Self.now)
        let expected = data.expectedMetrics(now: Self.now)
        #expect(Set(walked.keys) == Set(expected.keys))
        for (key, value) in expected {
            #expect(abs((walked[key] ?? .nan) - value) < 1e-9, "\(key): walked \(walked[key] ?? .nan), expected \(value)")
        }
        #expect(fake.unauthenticatedRequestCount == 0)
        #expect(fake.authorizationHeaders == ["Bearer t0ken"])
    }

    static func date(_ value: Any?) -> Date? {
        (value as? String).flatMap(GitHubDate.instant)
    }

    static func walk(_ repoURL: String, now: Date) async throws -> [String: Double] {
        let http = TestHTTP(headers: ["Authorization": "Bearer t0ken"])
        let windowStart = now.addingTimeInterval(-7 * 86_400)
        func inWindow(_ date: Date?) -> Bool { date.map { $0 >= windowStart && $0 <= now } ?? false }
        var metrics: [String: Double] = [:]

        let defaultBranch = try await http.get(repoURL).object["default_branch"] as! String

        let pulls = try await http.getAll(repoURL + "/pulls?state=all&per_page=100")
        metrics["github.prs.open"] = Double(pulls.filter { $0["state"] as? String == "open" }.count)
        let merged = pulls.filter { inWindow(date($0["merged_at"])) }
        metrics["github.prs.merged_7d"] = Double(merged.count)
        metrics["github.prs.closed_without_merge_7d"] = Double(
            pulls.filter { $0["merged_at"] is NSNull && inWindow(date($0["closed_at"])) }.count)
        if !merged.isEmpty {
            let hours = merged.map { date($0["merged_at"])!.timeIntervalSince(date($0["created_at"])!) / 3600 }
            metrics["github.prs.avg_time_to_merge_hours"] = hours.reduce(0, +) / Double(hours.count)
        }

        let branches = try await http.getAll(repoURL + "/branches?per_page=100")
        metrics["github.branches.active"] = Double(branches.filter { $0["name"] as? String != defaultBranch }.count)

        let commits = try await http.getAll(
            repoURL + "/commits?sha=\(defaultBranch)&since=\(GitHubDate.format(windowStart))&per_page=100")
        var identities = Set<String>()
        var added = 0
        var deleted = 0
        var paths = Set<String>()
        var hotfix = 0
        var reverts = 0
        var count = 0
        for item in commits {
            let detail = item["commit"] as! [String: Any]
            guard inWindow(date((detail["committer"] as! [String: Any])["date"])) else { continue }
            count += 1
            let message = detail["message"] as! String
            if message.lowercased().contains("hotfix") { hotfix += 1 }
            if message.hasPrefix("Revert") { reverts += 1 }
            if let author = item["author"] as? [String: Any] {
                identities.insert(author["login"] as! String)
            } else {
                identities.insert(((detail["author"] as! [String: Any])["email"] as! String).lowercased())
            }
            let sha = item["sha"] as! String
            let first = try await http.get(repoURL + "/commits/\(sha)")
            let stats = first.object["stats"] as! [String: Int]
            added += stats["additions"]!
            deleted += stats["deletions"]!
            for file in try await http.getAll(repoURL + "/commits/\(sha)", extract: { $0.object["files"] as! [[String: Any]] }) {
                paths.insert(file["filename"] as! String)
            }
        }
        metrics["github.commits.total_7d"] = Double(count)
        metrics["github.commits.hotfix"] = Double(hotfix)
        metrics["github.commits.reverts"] = Double(reverts)
        metrics["github.developers.active_7d"] = Double(identities.count)
        if !identities.isEmpty { metrics["github.commits.per_developer_7d"] = Double(count) / Double(identities.count) }
        metrics["github.code.lines_added_7d"] = Double(added)
        metrics["github.code.lines_deleted_7d"] = Double(deleted)
        metrics["github.code.files_changed_7d"] = Double(paths.count)

        // Runs: one-day slices of the window keep each filtered listing under the 1,000 cap.
        var runs: [[String: Any]] = []
        var sliceStart = windowStart
        while sliceStart <= now {
            let sliceEnd = min(sliceStart.addingTimeInterval(86_400 - 1), now)
            let slice = try await http.getAll(
                repoURL + "/actions/runs?created=\(GitHubDate.format(sliceStart))..\(GitHubDate.format(sliceEnd))&per_page=100"
            ) { $0.object["workflow_runs"] as! [[String: Any]] }
            runs += slice
            sliceStart = sliceEnd.addingTimeInterval(1)
        }
        metrics["github.ci.workflow_runs_7d"] = Double(runs.count)
        metrics["github.ci.failed_workflows_7d"] = Double(runs.filter { $0["conclusion"] as? String == "failure" }.count)
        let durations = runs.filter { $0["status"] as? String == "completed" }.map {
            date($0["updated_at"])!.timeIntervalSince(date($0["run_started_at"])!) / 60
        }
        if !durations.isEmpty {
            metrics["github.ci.avg_workflow_duration_minutes"] = durations.reduce(0, +) / Double(durations.count)
            for (suffix, p) in [("min", 0.0), ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95), ("max", 100)] {
                metrics["github.ci.workflow_duration_minutes.\(suffix)"] = linearPercentile(durations, p)
            }
        }
        let latest = try await http.get(repoURL + "/actions/runs?branch=\(defaultBranch)&status=completed&per_page=1")
        if let run = (latest.object["workflow_runs"] as! [[String: Any]]).first {
            metrics["github.ci.tests_passing_on_main"] = run["conclusion"] as? String == "success" ? 1 : 0
        }
        return metrics
    }
}
