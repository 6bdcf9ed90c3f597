import Foundation

/// Renders model values in the shapes of GitHub's REST v3 responses (see the fixtures in
/// /work/shared/fixtures/github/). API URLs point at the fake's own base URL; HTML URLs at
/// github.com. Large nested objects (a PR's `head.repo`) are trimmed to their common fields.
struct GitHubRenderer: Sendable {
    let apiBase: String
    let owner: String
    let repo: String

    var repoAPI: String { "\(apiBase)/repos/\(owner)/\(repo)" }
    var repoHTML: String { "https://github.com/\(owner)/\(repo)" }

    // MARK: Shared pieces

    static func userID(_ login: String) -> Int { Int(fnv1a(login.utf8) % 90_000_000) + 1_000 }

    func user(_ login: String) -> JSONObject {
        let id = Self.userID(login)
        let isBot = login.hasSuffix("[bot]")
        return [
            "login": login, "id": id, "node_id": "MDQ6VXNlcj\(id)",
            "avatar_url": "https://avatars.githubusercontent.com/u/\(id)?v=4", "gravatar_id": "",
            "url": "\(apiBase)/users/\(login)", "html_url": "https://github.com/\(login)",
            "followers_url": "\(apiBase)/users/\(login)/followers",
            "following_url": "\(apiBase)/users/\(login)/following{/other_user}",
            "gists_url": "\(apiBase)/users/\(login)/gists{/gist_id}",
            "starred_url": "\(apiBase)/users/\(login)/starred{/owner}{/repo}",
            "subscriptions_url": "\(apiBase)/users/\(login)/subscriptions",
            "organizations_url": "\(apiBase)/users/\(login)/orgs", "repos_url": "\(apiBase)/users/\(login)/repos",
            "events_url": "\(apiBase)/users/\(login)/events{/privacy}",
            "received_events_url": "\(apiBase)/users/\(login)/received_events",
            "type": isBot ? "Bot" : "User", "user_view_type": "public", "site_admin": false,
        ]
    }

    var repositoryID: Int { Int(fnv1a("\(owner)/\(repo)".utf8) % 900_000_000) + 1_000 }

    /// The "minimal repository" nested in PRs and workflow runs.
    func minimalRepository() -> JSONObject {
        let id = repositoryID
        return [
            "id": id, "node_id": "R_kgDO\(id)", "name": repo, "full_name": "\(owner)/\(repo)", "private": true,
            "owner": user(owner), "html_url": repoHTML, "description": "A fake repository for collector tests",
            "fork": false, "url": repoAPI, "archive_url": "\(repoAPI)/{archive_format}{/ref}",
            "branches_url": "\(repoAPI)/branches{/branch}", "commits_url": "\(repoAPI)/commits{/sha}",
            "compare_url": "\(repoAPI)/compare/{base}...{head}", "contents_url": "\(repoAPI)/contents/{+path}",
            "git_commits_url": "\(repoAPI)/git/commits{/sha}", "issues_url": "\(repoAPI)/issues{/number}",
            "pulls_url": "\(repoAPI)/pulls{/number}", "tags_url": "\(repoAPI)/tags",
            "trees_url": "\(repoAPI)/git/trees{/sha}",
        ]
    }

    /// GET /repos/{owner}/{repo}: the full repository.
    func repository(defaultBranch: String, openIssues: Int, created: Date, pushed: Date) -> JSONObject {
        var object = minimalRepository()
        object.merge([
            "git_url": "git://github.com/\(owner)/\(repo).git", "ssh_url": "git@github.com:\(owner)/\(repo).git",
            "clone_url": "\(repoHTML).git", "svn_url": repoHTML, "homepage": JSONBody.null, "size": 10_842,
            "stargazers_count": 42, "watchers_count": 42, "language": "Swift", "has_issues": true,
            "has_projects": true, "has_downloads": true, "has_wiki": false, "has_pages": false,
            "has_discussions": false, "forks_count": 3, "mirror_url": JSONBody.null, "archived": false,
            "disabled": false, "open_issues_count": openIssues, "license": JSONBody.null, "allow_forking": false,
            "is_template": false, "web_commit_signoff_required": false, "topics": ["metrics", "ci"],
            "visibility": "private", "forks": 3, "open_issues": openIssues, "watchers": 42,
            "default_branch": defaultBranch, "created_at": GitHubDate.format(created),
            "updated_at": GitHubDate.format(pushed), "pushed_at": GitHubDate.format(pushed),
            "permissions": ["admin": false, "maintain": false, "push": false, "triage": false, "pull": true],
            "network_count": 3, "subscribers_count": 7,
            "organization": user(owner),
        ])
        return object
    }

    static func error(_ message: String, status: Int, documentation: String = "https://docs.github.com/rest")
        -> JSONObject
    {
        ["message": message, "documentation_url": documentation, "status": String(status)]
    }
}
