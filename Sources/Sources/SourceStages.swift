import Pipeline
import Storage

/// Every source type, one line each.
public enum SourceStages {
    public static let all: [StageKind] = [
        GitHubRepository.kind,
        GitHubPullRequests.kind,
        GitHubBranches.kind,
        GitHubBranchCount.kind,
        GitHubCommits.kind,
        GitHubCommit.kind,
        GitHubWorkflowRuns.kind,
        EC2Instances.kind,
        SQLitePoints.kind,
    ]
}
