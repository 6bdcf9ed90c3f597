import Foundation

extension GitHubRenderer {
    /// An item of GET /pulls ("pull-request-simple" in GitHub's description).
    func pull(_ pull: FakePullRequest, defaultBranchSHA: String) -> JSONObject {
        let number = pull.number
        let url = "\(repoAPI)/pulls/\(number)"
        let issueURL = "\(repoAPI)/issues/\(number)"
        func ref(_ name: String, sha: String) -> JSONObject {
            ["label": "\(owner):\(name)", "ref": name, "sha": sha, "user": user(owner), "repo": minimalRepository()]
        }
        return [
            "url": url, "id": 1_000_000 + number, "node_id": "PR_kwDO\(number)",
            "html_url": "\(repoHTML)/pull/\(number)", "diff_url": "\(repoHTML)/pull/\(number).diff",
            "patch_url": "\(repoHTML)/pull/\(number).patch", "issue_url": issueURL,
            "commits_url": "\(url)/commits", "review_comments_url": "\(url)/comments",
            "review_comment_url": "\(repoAPI)/pulls/comments{/number}", "comments_url": "\(issueURL)/comments",
            "statuses_url": "\(repoAPI)/statuses/\(pull.headSHA)", "number": number, "state": pull.state,
            "locked": false, "title": pull.title, "user": user(pull.authorLogin),
            "body": "Implements \(pull.title.lowercased()).", "labels": [] as [JSONValue], "milestone": JSONBody.null,
            "active_lock_reason": JSONBody.null, "created_at": GitHubDate.format(pull.createdAt),
            "updated_at": GitHubDate.format(pull.updatedAt), "closed_at": JSONBody.date(pull.closedAt),
            "merged_at": JSONBody.date(pull.mergedAt),
            "merge_commit_sha": pull.mergedAt == nil ? nil : String(pull.headSHA.reversed()),
            "assignee": JSONBody.null, "assignees": [] as [JSONValue], "requested_reviewers": [] as [JSONValue],
            "requested_teams": [] as [JSONValue],
            "head": ref(pull.headRef, sha: pull.headSHA), "base": ref(pull.baseRef, sha: defaultBranchSHA),
            "_links": [
                "self": ["href": url], "html": ["href": "\(repoHTML)/pull/\(number)"], "issue": ["href": issueURL],
                "comments": ["href": "\(issueURL)/comments"], "review_comments": ["href": "\(url)/comments"],
                "review_comment": ["href": "\(repoAPI)/pulls/comments{/number}"],
                "commits": ["href": "\(url)/commits"], "statuses": ["href": "\(repoAPI)/statuses/\(pull.headSHA)"],
            ],
            "author_association": "MEMBER", "auto_merge": JSONBody.null, "draft": pull.draft,
        ]
    }
}
