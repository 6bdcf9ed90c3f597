import FakeGitHub
import Foundation
import Pipeline
import Testing

/// `pipeline run github` twice with one state directory: the second run revalidates what it
/// fetched (304s) and skips known commits entirely, yet reports the same values.
@Suite("GitHub collector, response cache")
struct ResponseCacheCLITests {
    /// The last full hour at least an hour ago: a scheduled run (its clock within a day of the wall
    /// clock), whose listings are open-ended; the warm run a minute later is in the same UTC day.
    static let first = Date(timeIntervalSince1970: ((Timestamp.now() - 3_600) / 3_600).rounded(.down) * 3_600)
    static let second = first.addingTimeInterval(60)

    /// A fresh state directory, removed afterwards.
    static func withStateDirectory(_ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    static func run(_ fake: FakeGitHub, at time: Date, state: String, extra: [String] = []) async throws -> CLIRunner.Result {
        try await CLIRunner.run(
            ["run", "github", "--dry-run", "--format", "json", "--as-of", Timestamp.format(time.timeIntervalSince1970)] + extra,
            environment: GitHubCollectorTests.environment(fake, extra: ["PIPELINE_STATE_DIR": state]))
    }

    /// The statuses the fake answered since request number `after`.
    static func statuses(_ fake: FakeGitHub, after: Int) -> [Int] { fake.requestLog.dropFirst(after).map(\.status) }

    static func githubValues(_ result: CLIRunner.Result) throws -> [String: Double] {
        try result.values().filter { $0.key.hasPrefix("github.") }
    }

    @Test("a warm run a minute later makes few counted requests and reports exactly the same values")
    func warmRun() async throws {
        try await Self.withStateDirectory { state in
            let data = FakeGitHubData.edgeCases(now: Self.first)
            let fake = try FakeGitHub(data: data)
            defer { fake.stop() }

            let cold = try await Self.run(fake, at: Self.first, state: state)
            #expect(cold.exitCode == 0, "stderr: \(cold.stderr)")
            try GitHubCollectorTests.expectMetrics(cold, equal: data.expectedMetrics(now: Self.first))
            let coldStatuses = Self.statuses(fake, after: 0)
            let coldValues = try cold.values()
            #expect(!coldStatuses.contains(304))
            #expect(coldValues["collector.github.api_requests"] == Double(coldStatuses.count))
            #expect(coldValues["collector.github.api_cache_hits"] == 0)
            #expect(coldValues["collector.github.rate_limit_remaining"] != nil)
            #expect(FileManager.default.fileExists(atPath: state + "/state.sqlite"))

            let before = fake.requestCount
            let warm = try await Self.run(fake, at: Self.second, state: state)
            #expect(warm.exitCode == 0, "stderr: \(warm.stderr)")
            try GitHubCollectorTests.expectMetrics(warm, equal: data.expectedMetrics(now: Self.second))
            let warmStatuses = Self.statuses(fake, after: before)
            let counted = warmStatuses.filter { $0 != 304 }.count
            let countedTargets = fake.requestLog.dropFirst(before).filter { $0.status != 304 }.map(\.target)
            // Listing URLs do not move with the clock (since and the created range start at a UTC
            // day, open-ended; the runs' split is at day boundaries), so they are revalidated too.
            #expect(counted <= 15, "\(counted) counted requests on the warm run (cold: \(coldStatuses.count)): \(countedTargets)")
            #expect(counted * 5 < coldStatuses.count)
            // Every URL asked before is revalidated, but the branch count's: its answer's Link
            // header is what counts, and an ETag does not cover it.
            let coldTargets = Set(fake.requestLog.prefix(before).map(\.target))
            let unconditional = countedTargets.filter { coldTargets.contains($0) }
            #expect(unconditional == ["/repos/octo-org/octo-repo/branches?per_page=1"], "\(unconditional)")
            // Known commits are not asked for at all.
            #expect(!fake.requestLog.dropFirst(before).contains { $0.path.contains("/commits/") })
            let warmValues = try warm.values()
            #expect(warmValues["collector.github.api_requests"] == Double(counted))
            #expect((warmValues["collector.github.api_cache_hits"] ?? 0) >= Double(warmStatuses.filter { $0 == 304 }.count) + 1)
            #expect(warmValues["collector.github.rate_limit_remaining"] != nil)

            // --no-cache runs cold again: every request unconditional, nothing reused.
            let beforeCold = fake.requestCount
            let again = try await Self.run(fake, at: Self.second, state: state, extra: ["--no-cache"])
            #expect(again.exitCode == 0, "stderr: \(again.stderr)")
            // The cache changes nothing: a cold run at the same time reports exactly the same values.
            #expect(try Self.githubValues(again) == Self.githubValues(warm))
            let againStatuses = Self.statuses(fake, after: beforeCold)
            #expect(!againStatuses.contains(304))
            #expect(againStatuses.count > 5 * counted)
            #expect(try again.values()["collector.github.api_requests"] == Double(againStatuses.count))
            #expect(try again.values()["collector.github.api_cache_hits"] == 0)
        }
    }

    /// What changed on GitHub between the cold run (`first`) and the warm run (`second`): commits
    /// (one pushed late with an older commit date), pull requests merged and opened, new runs and a
    /// run that finished.
    static func change(_ data: inout FakeGitHubData) {
        let now = second
        let trunk = data.branches.firstIndex { $0.name == data.defaultBranch }!
        let head = data.branches[trunk].sha
        func commit(_ sha: String, _ message: String, at date: Date, files: [String], parent: String) -> FakeCommit {
            FakeCommit(
                sha: sha, message: message, authorLogin: "zoe", authorName: "Zoe New", authorEmail: "zoe@example.com",
                authoredAt: date, committedAt: date, additions: files.count * 7, deletions: files.count * 2,
                files: files, parents: [parent])
        }
        let shas = (1...3).map { String(repeating: "ab\($0)", count: 14).prefix(40).description }
        data.commits += [
            commit(
                shas[0], "Add the new feature", at: now.addingTimeInterval(-30),
                files: ["Sources/New/Feature.swift", "README.md"], parent: head),
            commit(shas[1], "Empty commit to trigger CI", at: now.addingTimeInterval(-20), files: [], parent: shas[0]),
            // Pushed after the cold run, but committed before it (a rebased, late-pushed commit).
            commit(shas[2], "Hotfix pushed late", at: first.addingTimeInterval(-2 * 3600), files: [], parent: shas[1]),
        ]
        data.branches[trunk].sha = shas[1]
        // Last in the alphabet: the first page of the branch listing does not change.
        data.branches.append(FakeBranch(name: "zz/new-branch", sha: shas[0]))

        let merging = data.pulls.indices.filter { data.pulls[$0].isOpen && !data.pulls[$0].draft }.prefix(2)
        for index in merging {
            data.pulls[index].mergedAt = now
            data.pulls[index].closedAt = now
            data.pulls[index].updatedAt = now
        }
        let number = data.pulls.map(\.number).max()! + 1
        data.pulls.append(
            FakePullRequest(
                number: number, title: "Brand new work", authorLogin: "zoe", createdAt: now,
                updatedAt: now, headRef: "feature/new", baseRef: data.defaultBranch,
                headSHA: shas[0]))

        let finishing = data.workflowRuns.firstIndex { $0.status == "in_progress" }!
        data.workflowRuns[finishing].status = "completed"
        data.workflowRuns[finishing].conclusion = "success"
        data.workflowRuns[finishing].updatedAt = now
        var id = data.workflowRuns.map(\.id).max()!
        var numbers = Dictionary(data.workflowRuns.map { ($0.workflowID, $0.runNumber) }, uniquingKeysWith: max)
        let created = now.addingTimeInterval(-50)
        let runs: [(FakeWorkflow, String, String, String?)] = [
            (.ci, "trunk", "completed", "failure"), (.lint, "feature/new", "completed", "failure"),
            (.ci, "feature/new", "in_progress", nil), (.lint, "trunk", "completed", "success"),
            (.release, "trunk", "completed", "success"),
        ]
        for (workflow, branch, status, conclusion) in runs {
            id += 7
            numbers[workflow.id, default: 0] += 1
            data.workflowRuns.append(
                FakeWorkflowRun(
                    id: id, workflowID: workflow.id, name: workflow.name, headBranch: branch, headSHA: shas[1],
                    status: status, conclusion: conclusion, createdAt: created, runStartedAt: created.addingTimeInterval(5),
                    updatedAt: status == "completed" ? now.addingTimeInterval(-1) : now, runNumber: numbers[workflow.id]!))
        }
    }

    @Test("after the data changed, a warm run reports exactly what a cold run at the same time does")
    func warmRunAfterChange() async throws {
        try await Self.withStateDirectory { state in
            let data = FakeGitHubData.edgeCases(now: Self.first)
            let fake = try FakeGitHub(data: data)
            defer { fake.stop() }

            let cold = try await Self.run(fake, at: Self.first, state: state)
            #expect(cold.exitCode == 0, "stderr: \(cold.stderr)")
            try GitHubCollectorTests.expectMetrics(cold, equal: data.expectedMetrics(now: Self.first))
            let coldCount = fake.requestCount

            fake.update { Self.change(&$0) }
            let changed = fake.data
            let expected = changed.expectedMetrics(now: Self.second)
            // The change moves the metrics (otherwise the test proves nothing).
            #expect(expected != data.expectedMetrics(now: Self.second))

            let warm = try await Self.run(fake, at: Self.second, state: state)
            #expect(warm.exitCode == 0, "stderr: \(warm.stderr)")
            let warmLog: [RecordedRequest] = Array(fake.requestLog.dropFirst(coldCount))
            let counted = warmLog.filter { $0.status != 304 }
            let afterWarm = fake.requestCount

            let again = try await Self.run(fake, at: Self.second, state: state, extra: ["--no-cache"])
            #expect(again.exitCode == 0, "stderr: \(again.stderr)")
            #expect(!Self.statuses(fake, after: afterWarm).contains(304))
            try GitHubCollectorTests.expectMetrics(again, equal: expected)

            try GitHubCollectorTests.expectMetrics(warm, equal: expected)
            let warmValues = try Self.githubValues(warm)
            let coldValues = try Self.githubValues(again)
            #expect(warmValues.count == 23)
            let differing = Set(warmValues.keys).union(coldValues.keys).sorted().filter { warmValues[$0] != coldValues[$0] }
            for key in differing {
                let warmText = warmValues[key].map { String($0) } ?? "absent"
                let coldText = coldValues[key].map { String($0) } ?? "absent"
                Issue.record("\(key): warm \(warmText) != cold \(coldText)")
            }
            let requests: Double? = try warm.values()["collector.github.api_requests"]
            let countedText: [String] = counted.map { String($0.status) + " " + $0.target }
            #expect(requests == Double(counted.count))
            #expect(counted.count <= 15, "\(counted.count) counted requests: \(countedText)")
            let revalidated = warmLog.count - counted.count
            print(
                "warm run after change: collector.github.api_requests = \(requests ?? -1), \(revalidated) revalidated (304); counted: \(countedText)"
            )
        }
    }

    @Test("a corrupted state file is reported, set aside, and the run goes on cold with exact values")
    func corruptedStateFile() async throws {
        try await Self.withStateDirectory { state in
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            let garbage = Array(repeating: "this is not an SQLite database\n", count: 200).joined()
            try garbage.write(toFile: state + "/state.sqlite", atomically: true, encoding: .utf8)
            let data = FakeGitHubData.edgeCases(now: Self.first)
            let fake = try FakeGitHub(data: data)
            defer { fake.stop() }

            let result = try await Self.run(fake, at: Self.first, state: state)
            #expect(result.exitCode == 0, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("damaged"), "stderr: \(result.stderr)")
            #expect(result.stderr.contains("set aside"), "stderr: \(result.stderr)")
            try GitHubCollectorTests.expectMetrics(result, equal: data.expectedMetrics(now: Self.first))
            #expect(!Self.statuses(fake, after: 0).contains(304))
            let files = try FileManager.default.contentsOfDirectory(atPath: state)
            #expect(files.contains { $0.hasPrefix("state.sqlite.corrupt-") }, "\(files)")
        }
    }

    @Test("a missing state directory is created")
    func missingStateDirectory() async throws {
        try await Self.withStateDirectory { state in
            let nested = state + "/a/b"
            let data = FakeGitHubData.edgeCases(now: Self.first)
            let fake = try FakeGitHub(data: data)
            defer { fake.stop() }
            let result = try await Self.run(fake, at: Self.first, state: nested)
            #expect(result.exitCode == 0, "stderr: \(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: nested + "/state.sqlite"))
        }
    }
}
