import Pipeline
import Storage

/// Every source type, one line each.
public enum SourceStages {
    public static let all: [StageKind] = [
        GitHubRepositorySource.kind,
        GitHubPullsSource.kind,
        GitHubBranchesSource.kind,
        GitHubBranchCountSource.kind,
        GitHubCommitsSource.kind,
        GitHubCommitSource.kind,
        GitHubWorkflowRunsSource.kind,
        AWSEC2InstancesSource.kind,
        SQLitePointsSource.kind,
        HTTPSource.kind,
        ValuesSource.kind,
    ]
}
