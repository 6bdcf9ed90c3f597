import Foundation

/// A workflow file of the repository (GET /actions/workflows).
public struct FakeWorkflow: Sendable, Equatable {
    public var id: Int
    public var name: String
    /// ".github/workflows/ci.yml"; the file name also identifies it in URLs.
    public var path: String

    public init(id: Int, name: String, path: String) {
        self.id = id
        self.name = name
        self.path = path
    }

    public var fileName: String { String(path.split(separator: "/").last ?? "") }

    public static let ci = FakeWorkflow(id: 1001, name: "CI", path: ".github/workflows/ci.yml")
    public static let lint = FakeWorkflow(id: 1002, name: "Lint", path: ".github/workflows/lint.yml")
    public static let release = FakeWorkflow(id: 1003, name: "Release", path: ".github/workflows/release.yml")
    public static let nightly = FakeWorkflow(id: 1004, name: "Nightly", path: ".github/workflows/nightly.yml")
    public static let standard: [FakeWorkflow] = [ci, lint, release, nightly]
}

/// One workflow run. Only `completed` runs have a conclusion and a duration
/// (`updatedAt - runStartedAt`); a re-run keeps `createdAt` but moves `runStartedAt`.
public struct FakeWorkflowRun: Sendable, Equatable {
    public var id: Int
    public var workflowID: Int
    public var name: String
    public var headBranch: String
    public var headSHA: String
    public var event: String
    /// "queued", "in_progress" or "completed" (GitHub also knows waiting/requested/pending).
    public var status: String
    /// "success", "failure", "cancelled", "skipped", "timed_out"...; nil unless completed.
    public var conclusion: String?
    public var createdAt: Date
    public var runStartedAt: Date
    public var updatedAt: Date
    public var runAttempt: Int
    public var runNumber: Int
    public var actorLogin: String

    public init(
        id: Int, workflowID: Int, name: String, headBranch: String, headSHA: String, event: String = "push",
        status: String, conclusion: String?, createdAt: Date, runStartedAt: Date, updatedAt: Date,
        runAttempt: Int = 1, runNumber: Int, actorLogin: String = "octocat"
    ) {
        self.id = id
        self.workflowID = workflowID
        self.name = name
        self.headBranch = headBranch
        self.headSHA = headSHA
        self.event = event
        self.status = status
        self.conclusion = conclusion
        self.createdAt = createdAt
        self.runStartedAt = runStartedAt
        self.updatedAt = updatedAt
        self.runAttempt = runAttempt
        self.runNumber = runNumber
        self.actorLogin = actorLogin
    }

    public var isCompleted: Bool { status == "completed" }

    /// Minutes from start to last update, for completed runs only.
    public var durationMinutes: Double? {
        isCompleted ? updatedAt.timeIntervalSince(runStartedAt) / 60 : nil
    }
}
