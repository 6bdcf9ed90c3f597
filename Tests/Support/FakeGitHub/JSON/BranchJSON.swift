extension GitHubRenderer {
    /// An item of GET /branches ("short-branch").
    func branch(_ branch: FakeBranch) -> JSONObject {
        var object: JSONObject = [
            "name": branch.name,
            "commit": ["sha": branch.sha, "url": "\(repoAPI)/commits/\(branch.sha)"] as JSONObject,
            "protected": branch.protected,
        ]
        if branch.protected {
            object["protection"] =
                [
                    "enabled": true,
                    "required_status_checks": [
                        "enforcement_level": "non_admins", "contexts": ["ci-test", "linter"], "checks": [] as [JSONValue],
                    ] as JSONObject,
                ] as JSONObject
            object["protection_url"] = "\(repoAPI)/branches/\(branch.name)/protection"
        }
        return object
    }
}
