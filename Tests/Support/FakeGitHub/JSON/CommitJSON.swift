import Foundation

extension GitHubRenderer {
    /// An item of GET /commits: commit metadata without `stats` and `files`.
    func commitSummary(_ commit: FakeCommit) -> JSONObject {
        let apiURL = "\(repoAPI)/commits/\(commit.sha)"
        return [
            "url": apiURL, "sha": commit.sha, "node_id": "C_kwDO\(commit.sha.prefix(12))",
            "html_url": "\(repoHTML)/commit/\(commit.sha)", "comments_url": "\(apiURL)/comments",
            "commit": [
                "url": "\(repoAPI)/git/commits/\(commit.sha)",
                "author": [
                    "name": commit.authorName, "email": commit.authorEmail,
                    "date": GitHubDate.format(commit.authoredAt),
                ] as JSONObject,
                "committer": [
                    "name": commit.committerName, "email": commit.committerEmail,
                    "date": GitHubDate.format(commit.committedAt),
                ] as JSONObject,
                "message": commit.message,
                "tree": ["url": "\(repoAPI)/git/trees/\(String(commit.sha.reversed()))", "sha": String(commit.sha.reversed())]
                    as JSONObject,
                "comment_count": 0,
                "verification": [
                    "verified": commit.committerLogin == "web-flow",
                    "reason": commit.committerLogin == "web-flow" ? "valid" : "unsigned",
                    "signature": JSONBody.null, "payload": JSONBody.null, "verified_at": JSONBody.null,
                ] as JSONObject,
            ] as JSONObject,
            "author": commit.authorLogin.map(user),
            "committer": commit.committerLogin.map(user),
            "parents": commit.parents.map { sha in
                ["sha": sha, "url": "\(repoAPI)/commits/\(sha)", "html_url": "\(repoHTML)/commit/\(sha)"] as JSONObject
            },
        ]
    }

    /// GET /commits/{sha}: the summary plus `stats` and one page of `files`. The per-file line
    /// counts split the commit's totals so they add up.
    func commitDetail(_ commit: FakeCommit, fileRange: Range<Int>) -> JSONObject {
        var object = commitSummary(commit)
        object["stats"] =
            [
                "total": commit.additions + commit.deletions, "additions": commit.additions, "deletions": commit.deletions,
            ] as JSONObject
        object["files"] = fileRange.map { index -> JSONObject in
            let path = commit.files[index]
            let additions = Self.share(commit.additions, index, commit.files.count)
            let deletions = Self.share(commit.deletions, index, commit.files.count)
            let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
            return [
                "sha": String(fnv1a(path.utf8), radix: 16), "filename": path,
                "status": deletions > 0 && additions == 0 ? "removed" : additions > 0 && deletions == 0 ? "added" : "modified",
                "additions": additions, "deletions": deletions, "changes": additions + deletions,
                "blob_url": "\(repoHTML)/blob/\(commit.sha)/\(escaped)",
                "raw_url": "\(repoHTML)/raw/\(commit.sha)/\(escaped)",
                "contents_url": "\(repoAPI)/contents/\(escaped)?ref=\(commit.sha)",
                "patch": "@@ -1,\(deletions) +1,\(additions) @@",
            ]
        }
        return object
    }

    /// File `index` of `count` gets an even share of `total`; the first ones take the remainder.
    static func share(_ total: Int, _ index: Int, _ count: Int) -> Int {
        total / count + (index < total % count ? 1 : 0)
    }
}
