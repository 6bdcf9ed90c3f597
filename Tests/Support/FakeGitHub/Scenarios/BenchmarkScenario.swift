import Foundation

/// A repository sized like a busy real one, for timing the collector end to end.
///
/// `seed` is the architecture's numbers (128 open PRs, 126 closed in the window plus 2,000 older
/// closed ones, 1,162 branches, 91 commits and 2,500 workflow runs in the window); `big` is a
/// repository several times busier (400 commits, 6,000 runs, 3,000 branches), the scale at which
/// the stress loop runs the collector.
extension FakeGitHubData {
    public static func benchmark(now: Date) -> FakeGitHubData { benchmark(now: now, scale: .seed) }

    public static func benchmark(now: Date, scale: BenchmarkScale) -> FakeGitHubData {
        var random = SeededGenerator(seed: 0xBE4C)
        let scenario = BenchmarkScenario(scale: scale)
        let clock = ScenarioClock(now: now)
        let commits = scenario.commits(clock: clock, random: &random)
        let newest = commits.max(by: { $0.committedAt < $1.committedAt })!
        return FakeGitHubData(
            owner: "octo-org", name: "octo-repo", defaultBranch: "main",
            pulls: scenario.pulls(clock: clock, random: &random),
            branches: scenario.branches(head: newest.sha, commits: commits, random: &random),
            commits: commits, workflows: FakeWorkflow.standard,
            workflowRuns: scenario.runs(clock: clock, random: &random))
    }
}

/// How big a benchmark repository is.
public struct BenchmarkScale: Sendable, Equatable {
    public var openPulls: Int
    public var closedInWindow: Int
    public var mergedInWindow: Int
    public var olderClosed: Int
    public var branchCount: Int
    public var commitsInWindow: Int
    public var runsInWindow: Int

    /// The architecture's numbers.
    public static let seed = BenchmarkScale(
        openPulls: 128, closedInWindow: 126, mergedInWindow: 97, olderClosed: 2_000, branchCount: 1_162,
        commitsInWindow: 91, runsInWindow: 2_500)
    /// A busier repository: 400 commits, 6,000 runs and 3,000 branches.
    public static let big = BenchmarkScale(
        openPulls: 300, closedInWindow: 400, mergedInWindow: 310, olderClosed: 3_000, branchCount: 3_000,
        commitsInWindow: 400, runsInWindow: 6_000)
    /// A handful of each, for the recording `pipeline test` replays (pipelines/tests): every
    /// metric non-trivial, the recording under a megabyte.
    public static let small = BenchmarkScale(
        openPulls: 6, closedInWindow: 7, mergedInWindow: 5, olderClosed: 4, branchCount: 12, commitsInWindow: 9,
        runsInWindow: 40)

    /// `seed` (`benchmark`), `big` or `small`.
    public static func named(_ name: String) -> BenchmarkScale? {
        switch name {
        case "seed", "benchmark": .seed
        case "big": .big
        case "small": .small
        default: nil
        }
    }
}

struct BenchmarkScenario {
    let scale: BenchmarkScale
    var openPulls: Int { scale.openPulls }
    var closedInWindow: Int { scale.closedInWindow }
    var mergedInWindow: Int { scale.mergedInWindow }
    var olderClosed: Int { scale.olderClosed }
    var branchCount: Int { scale.branchCount }
    var commitsInWindow: Int { scale.commitsInWindow }
    var runsInWindow: Int { scale.runsInWindow }

    static let developers: [EdgeAuthor] = [
        .alice, .bob, .erin, .gus, .dependabot, .frank, .carol,
        .linked(login: "hank", name: "Hank Schrader", email: "hank@example.com"),
        .linked(login: "ivy", name: "Ivy Walker", email: "ivy@example.com"),
        .linked(login: "jules", name: "Jules Winnfield", email: "jules@example.com"),
        .unlinked(name: "Kim", email: "Kim.Wexler@Example.com"),
    ]

    func pulls(clock: ScenarioClock, random: inout SeededGenerator) -> [FakePullRequest] {
        var specs: [EdgePulls.Spec] = []
        for index in 0..<openPulls {
            let created = clock.ago(days: random.int(in: 0...90), hours: random.int(in: 0...23), minutes: index % 60)
            let updated = max(created, clock.ago(days: random.int(in: 0...10)))
            specs.append(
                EdgePulls.Spec(
                    title: "Open change \(index)", created: created, updated: updated,
                    draft: random.chance(15), base: "main"))
        }
        let window = 7 * 86_400 - 600
        for index in 0..<closedInWindow {
            let closed = clock.ago(seconds: 300 + window * index / closedInWindow)
            let created = closed.addingTimeInterval(-TimeInterval(random.int(in: 600...(20 * 86_400))))
            specs.append(
                EdgePulls.Spec(
                    title: "Recent change \(index)", created: created, updated: closed,
                    closed: closed, merged: index < mergedInWindow, base: "main"))
        }
        for index in 0..<olderClosed {
            let closed = clock.ago(days: 7, hours: 1 + index * 3, minutes: random.int(in: 0...59))
            let created = closed.addingTimeInterval(-TimeInterval(random.int(in: 600...(30 * 86_400))))
            // A few old ones were commented on recently.
            let updated = index % 97 == 0 ? clock.ago(days: random.int(in: 0...6)) : closed
            specs.append(
                EdgePulls.Spec(
                    title: "Old change \(index)", created: created, updated: updated,
                    closed: closed, merged: random.chance(75), base: "main"))
        }
        return EdgePulls.number(specs, random: &random)
    }

    func branches(head: String, commits: [FakeCommit], random: inout SeededGenerator) -> [FakeBranch] {
        var branches = [FakeBranch(name: "main", sha: head, protected: true)]
        let kinds = ["feature", "fix", "chore", "experiment", "dependabot/npm_and_yarn"]
        var index = 0
        while branches.count < branchCount {
            branches.append(
                FakeBranch(
                    name: "\(kinds[index % kinds.count])/topic-\(String(format: "%04d", index))",
                    sha: random.pick(commits).sha))
            index += 1
        }
        return branches
    }

    func commits(clock: ScenarioClock, random: inout SeededGenerator) -> [FakeCommit] {
        var specs: [EdgeCommits.Spec] = []
        let window = 7 * 86_400 - 600
        for index in 0..<commitsInWindow {
            let message: String
            switch index % 23 {
            case 5: message = "Hotfix: guard against empty payloads"
            case 11: message = "Revert \"Speed up the importer\""
            case 17: message = "Merge pull request #\(4_000 + index) from octo-org/feature/topic-\(index)"
            default: message = "Change \(index): improve component \(index % 9)"
            }
            let fileCount = index == 40 ? 450 : random.int(in: 1...12)
            let files = (0..<fileCount).map { _ in
                index == 40
                    ? "Generated/Model\(random.int(in: 0...9999)).swift"
                    : "Sources/Module\(random.int(in: 0...30))/File\(random.int(in: 0...20)).swift"
            }
            specs.append(
                EdgeCommits.Spec(
                    message: message, author: Self.developers[index % Self.developers.count],
                    committedAt: clock.ago(seconds: 300 + window * index / commitsInWindow),
                    files: files, merge: index % 23 == 17))
        }
        for index in 0..<30 {
            specs.append(
                EdgeCommits.Spec(
                    message: "Older change \(index)", author: random.pick(Self.developers),
                    committedAt: clock.ago(days: 8 + index), files: ["Sources/Old\(index).swift"]))
        }
        return EdgeCommits.chain(specs, random: &random)
    }

    func runs(clock: ScenarioClock, random: inout SeededGenerator) -> [FakeWorkflowRun] {
        var builder = RunBuilder(random: random, now: clock.now)
        let first = 300
        let last = 7 * 86_400 - 60
        for index in 0..<runsInWindow {
            let offset = first + (last - first) * index / (runsInWindow - 1)
            builder.addRandom(
                created: clock.ago(seconds: offset), unfinished: [0: "queued", 4: "in_progress", 9: "in_progress"][index])
        }
        for index in 0..<200 {
            builder.addRandom(created: clock.ago(days: 7, minutes: 5 + index * 30))
        }
        return builder.finish().map { run in
            // The benchmark's default branch is "main"; the generator's "trunk" runs move there.
            var run = run
            if run.headBranch == "trunk" { run.headBranch = "main" }
            return run
        }
    }
}
