import Foundation

/// Workflow runs of the edge scenario: more than 1,000 in the window (past the API's cap on
/// filtered listings), older ones, unfinished ones, every conclusion, re-runs, and a carefully
/// ordered newest few that decide `tests_passing_on_main`.
enum EdgeRuns {
    static let inWindow = 1_234
    static let olderThanWindow = 166

    static func make(clock: ScenarioClock, headSHA: String, random: inout SeededGenerator) -> [FakeWorkflowRun] {
        var builder = RunBuilder(random: random, now: clock.now)
        // Newest first, hand-placed: the latest run on the default branch is unfinished, the
        // latest completed runs on "main" and on a feature branch succeeded, but the latest
        // completed run on "trunk" (Lint) failed => 0. Restricted to CI it is a success => 1.
        builder.add(.ci, branch: "trunk", created: clock.now, status: "queued")
        builder.add(.lint, branch: "trunk", created: clock.ago(minutes: 2), status: "in_progress")
        builder.add(.ci, branch: "main", created: clock.ago(minutes: 4), conclusion: "success", minutes: 1)
        builder.add(.ci, branch: "feature/search-000", created: clock.ago(minutes: 6), conclusion: "success", minutes: 1)
        builder.add(.lint, branch: "trunk", created: clock.ago(minutes: 8), conclusion: "failure", minutes: 1)
        builder.add(.ci, branch: "trunk", created: clock.ago(minutes: 10), conclusion: "success", minutes: 1)

        // The rest of the window, evenly spread with distinct timestamps, ending exactly at the
        // window start (inclusive).
        let generated = inWindow - 6
        let first = 12 * 60
        let last = 7 * 86_400
        for index in 0..<generated {
            let offset = first + (last - first) * index / (generated - 1)
            // Three more unfinished runs among the newest: 2 queued and 3 in progress in all.
            let unfinished = [3: "queued", 16: "in_progress", 29: "in_progress"][index]
            builder.addRandom(created: clock.ago(seconds: offset), unfinished: unfinished)
        }

        // Older than the window: one second outside, one that started before the window and
        // finished inside it (created_at decides: outside), then history.
        builder.add(.ci, branch: "trunk", created: clock.ago(days: 7, seconds: 1), conclusion: "failure", minutes: 3)
        builder.add(
            .nightly, branch: "trunk", created: clock.ago(days: 7, minutes: 5), conclusion: "success",
            minutes: 90)
        for index in 0..<(olderThanWindow - 2) {
            builder.addRandom(created: clock.ago(days: 7, hours: 1 + index))
        }
        return builder.finish()
    }
}

/// Assigns ids and run numbers in creation order and fills in realistic timings.
struct RunBuilder {
    var random: SeededGenerator
    /// Nothing may start or finish after this.
    let now: Date
    private var pending: [FakeWorkflowRun] = []

    init(random: SeededGenerator, now: Date) {
        self.random = random
        self.now = now
    }

    mutating func add(
        _ workflow: FakeWorkflow, branch: String, created: Date, status: String = "completed",
        conclusion: String? = nil, minutes: Int = 0, attempt: Int = 1, event: String = "push"
    ) {
        let queueSeconds = status == "queued" ? 0 : 5 + random.int(in: 0...85)
        // A re-run starts again an hour later, keeping its created_at.
        let started = created.addingTimeInterval(TimeInterval(queueSeconds + (attempt - 1) * 3600))
        let updated: Date
        switch status {
        case "completed":
            let finished = started.addingTimeInterval(TimeInterval(minutes * 60 + random.int(in: 0...59)))
            updated = min(finished, now.addingTimeInterval(-30))
        case "in_progress": updated = now
        default: updated = created
        }
        precondition(started <= updated && updated <= now, "run timings must lie before now")
        pending.append(
            FakeWorkflowRun(
                id: 0, workflowID: workflow.id, name: workflow.name, headBranch: branch, headSHA: random.sha(),
                event: event, status: status, conclusion: status == "completed" ? conclusion : nil, createdAt: created,
                runStartedAt: started, updatedAt: updated, runAttempt: attempt, runNumber: 0,
                actorLogin: random.pick(["alice", "bob", "erin", "gus"])))
    }

    /// A run of a random workflow, branch and outcome, or unfinished with the given status.
    mutating func addRandom(created: Date, unfinished: String? = nil) {
        let workflow = random.pick([FakeWorkflow.ci, .ci, .ci, .lint, .lint, .release, .nightly])
        let branchRoll = random.int(in: 0...99)
        let branch =
            branchRoll < 50
            ? "trunk"
            : branchRoll < 60 ? "main" : "feature/\(random.pick(["search", "cache", "login"]))-00\(random.int(in: 0...9))"
        let event = workflow == .nightly ? "schedule" : branch.hasPrefix("feature/") ? "pull_request" : "push"
        if let unfinished {
            add(workflow, branch: branch, created: created, status: unfinished, event: event)
            return
        }
        let roll = random.int(in: 0...99)
        let conclusion =
            roll < 12 ? "failure" : roll < 16 ? "cancelled" : roll < 18 ? "skipped" : roll < 19 ? "timed_out" : "success"
        let minutes = conclusion == "skipped" ? 0 : conclusion == "timed_out" ? 60 : random.int(in: 1...40)
        add(
            workflow, branch: branch, created: created, conclusion: conclusion, minutes: minutes,
            attempt: created < now.addingTimeInterval(-3 * 3600) && random.chance(5) ? 2 : 1, event: event)
    }

    /// Ids grow with creation time (as GitHub's do); run numbers count per workflow.
    func finish() -> [FakeWorkflowRun] {
        var runs = pending.sorted(by: { $0.createdAt < $1.createdAt })
        var numbers: [Int: Int] = [:]
        for index in runs.indices {
            runs[index].id = 9_000_000_000 + index * 7
            numbers[runs[index].workflowID, default: 0] += 1
            runs[index].runNumber = numbers[runs[index].workflowID]!
        }
        return runs
    }
}
