import Foundation

/// Everything the fake GitHub serves for one repository, as plain values.
///
/// Scenarios build one of these; the server renders it in GitHub's JSON shapes, and
/// `expectedMetrics(now:)` computes the metric values from it directly, so the engine under test
/// is checked against numbers derived without any of its code.
public struct FakeGitHubData: Sendable {
    public var owner: String
    public var name: String
    public var defaultBranch: String
    public var pulls: [FakePullRequest]
    /// Every branch of the repository, the default branch included.
    public var branches: [FakeBranch]
    /// The history of the default branch (order does not matter; the server sorts newest first).
    public var commits: [FakeCommit]
    public var workflows: [FakeWorkflow]
    public var workflowRuns: [FakeWorkflowRun]

    public init(
        owner: String = "octo-org", name: String = "octo-repo", defaultBranch: String = "main",
        pulls: [FakePullRequest] = [], branches: [FakeBranch] = [], commits: [FakeCommit] = [],
        workflows: [FakeWorkflow] = FakeWorkflow.standard, workflowRuns: [FakeWorkflowRun] = []
    ) {
        self.owner = owner
        self.name = name
        self.defaultBranch = defaultBranch
        self.pulls = pulls
        self.branches = branches
        self.commits = commits
        self.workflows = workflows
        self.workflowRuns = workflowRuns
    }

    /// "owner/name".
    public var fullName: String { "\(owner)/\(name)" }
}
