import Foundation
import LoopbackHTTP

/// Maps a request to its GitHub answer. Pure (the same request always gets the same answer), so
/// the server can cache rendered pages.
struct GitHubRouter: Sendable {
    let data: FakeGitHubData
    let render: GitHubRenderer
    /// Indexes, built once: the orders GitHub lists things in.
    let commitsNewestFirst: [FakeCommit]
    let commitsBySHA: [String: FakeCommit]
    let runsNewestFirst: [FakeWorkflowRun]
    let branchesByName: [FakeBranch]
    let workflowsByID: [Int: FakeWorkflow]

    init(data: FakeGitHubData, apiBase: String) {
        self.data = data
        render = GitHubRenderer(apiBase: apiBase, owner: data.owner, repo: data.name)
        commitsNewestFirst = data.commits.sorted { ($0.committedAt, $0.sha) > ($1.committedAt, $1.sha) }
        commitsBySHA = Dictionary(data.commits.map { ($0.sha, $0) }, uniquingKeysWith: { first, _ in first })
        runsNewestFirst = data.workflowRuns.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        branchesByName = data.branches.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        workflowsByID = Dictionary(data.workflows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var defaultBranchSHA: String {
        data.branches.first(where: { $0.name == data.defaultBranch })?.sha ?? commitsNewestFirst.first?.sha ?? ""
    }

    func route(_ request: HTTPRequestHead) -> RoutedResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return .notFound() }
        var segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map {
            $0.removingPercentEncoding ?? String($0)
        }
        if segments == ["rate_limit"] { return rateLimit() }
        guard segments.count >= 3, segments[0] == "repos",
            segments[1].lowercased() == data.owner.lowercased(), segments[2].lowercased() == data.name.lowercased()
        else { return .notFound() }
        segments.removeFirst(3)
        let query = request.query

        switch segments.count {
        case 0:
            return repository()
        case 1 where segments[0] == "pulls":
            return pulls(request)
        case 2 where segments[0] == "pulls":
            return Int(segments[1]).flatMap { pull(number: $0) } ?? .notFound()
        case 1 where segments[0] == "branches":
            return branches(request)
        case 1 where segments[0] == "commits":
            return commits(request)
        case 2... where segments[0] == "commits":
            return commit(ref: segments.dropFirst().joined(separator: "/"), request: request)
        case 2 where segments == ["actions", "runs"]:
            return workflowRuns(request, workflow: nil)
        case 3 where segments[0] == "actions" && segments[1] == "runs":
            return Int(segments[2]).flatMap { workflowRun(id: $0) } ?? .notFound()
        case 2 where segments == ["actions", "workflows"]:
            return workflows(query)
        case 4 where segments[0] == "actions" && segments[1] == "workflows" && segments[3] == "runs":
            guard let workflow = findWorkflow(segments[2]) else { return .notFound() }
            return workflowRuns(request, workflow: workflow)
        default:
            return .notFound()
        }
    }

    // MARK: Repository

    func repository() -> RoutedResponse {
        let oldest = data.commits.map(\.authoredAt).min() ?? Date(timeIntervalSince1970: 1_600_000_000)
        let newest = data.commits.map(\.committedAt).max() ?? oldest
        let openIssues = data.pulls.filter(\.isOpen).count
        return .json(
            render.repository(
                defaultBranch: data.defaultBranch, openIssues: openIssues,
                created: oldest.addingTimeInterval(-86_400), pushed: newest))
    }

    // MARK: Pull requests

    func pulls(_ request: HTTPRequestHead) -> RoutedResponse {
        let query = request.query
        let state = query["state"] ?? "open"
        guard ["open", "closed", "all"].contains(state) else { return .validationFailed("state") }
        let sort = query["sort"] ?? "created"
        guard ["created", "updated", "popularity", "long-running"].contains(sort) else {
            return .validationFailed("sort")
        }
        // GitHub: "Default: desc when sort is created or sort is not specified, otherwise asc."
        let direction = query["direction"] ?? (sort == "created" ? "desc" : "asc")
        guard ["asc", "desc"].contains(direction) else { return .validationFailed("direction") }

        var selected = data.pulls.filter { pull in
            (state == "all" || pull.state == state)
                && (query["base"].map { pull.baseRef == $0 } ?? true)
                && (query["head"].map { "\(data.owner):\(pull.headRef)" == $0 } ?? true)
        }
        let key: (FakePullRequest) -> Date = sort == "updated" ? { $0.updatedAt } : { $0.createdAt }
        selected.sort { (key($0), $0.number) < (key($1), $1.number) }
        if direction == "desc" { selected.reverse() }

        let paging = Pagination(query: query)
        let sha = defaultBranchSHA
        let items = selected[paging.range(reachable: selected.count)].map { render.pull($0, defaultBranchSHA: sha) }
        return .json(items, link: link(paging, request, reachable: selected.count))
    }

    /// GET /pulls/{number}: the list item plus the single-PR extras.
    func pull(number: Int) -> RoutedResponse? {
        guard let pull = data.pulls.first(where: { $0.number == number }) else { return nil }
        var object = render.pull(pull, defaultBranchSHA: defaultBranchSHA)
        object.merge([
            "merged": pull.mergedAt != nil, "mergeable": pull.isOpen ? true : JSONBody.null,
            "rebaseable": pull.isOpen ? true : JSONBody.null, "mergeable_state": pull.isOpen ? "clean" : "unknown",
            "merged_by": pull.mergedAt != nil ? render.user("alice") : JSONBody.null, "comments": 2,
            "review_comments": 1, "maintainer_can_modify": false, "commits": 3, "additions": 120, "deletions": 14,
            "changed_files": 5,
        ])
        return .json(object)
    }

    // MARK: Branches

    func branches(_ request: HTTPRequestHead) -> RoutedResponse {
        let query = request.query
        var selected = branchesByName
        if let protected = query["protected"] {
            selected = selected.filter { $0.protected == (protected == "true") }
        }
        let paging = Pagination(query: query)
        let items = selected[paging.range(reachable: selected.count)].map(render.branch)
        return .json(items, link: link(paging, request, reachable: selected.count))
    }

    // MARK: Commits

    func commits(_ request: HTTPRequestHead) -> RoutedResponse {
        let query = request.query
        // Every commit of the model is on the default branch; other branches are cut from it.
        if let ref = query["sha"], ref != data.defaultBranch,
            !data.branches.contains(where: { $0.name == ref }), findCommit(ref) == nil
        {
            return .notFound()
        }
        var since: Date?
        var until: Date?
        if let text = query["since"] {
            guard let date = GitHubDate.instant(text) else { return .validationFailed("since") }
            since = date
        }
        if let text = query["until"] {
            guard let date = GitHubDate.instant(text) else { return .validationFailed("until") }
            until = date
        }
        let selected = commitsNewestFirst.filter { commit in
            if let since, commit.committedAt < since { return false }
            if let until, commit.committedAt > until { return false }
            if let author = query["author"],
                commit.authorLogin != author && commit.authorEmail.lowercased() != author.lowercased()
            {
                return false
            }
            if let path = query["path"], !commit.files.contains(where: { $0 == path || $0.hasPrefix(path + "/") }) {
                return false
            }
            return true
        }
        let paging = Pagination(query: query)
        let items = selected[paging.range(reachable: selected.count)].map(render.commitSummary)
        return .json(items, link: link(paging, request, reachable: selected.count))
    }

    /// GET /commits/{ref}: 300 files a page (GitHub's rule); further pages repeat the commit with
    /// the next files, linked with `Link`.
    func commit(ref: String, request: HTTPRequestHead) -> RoutedResponse {
        guard let commit = findCommit(ref) else {
            return .json(GitHubRenderer.error("No commit found for SHA: \(ref)", status: 422), status: 422)
        }
        let paging = Pagination(query: request.query, defaultPerPage: 300, maxPerPage: 300)
        let files = paging.range(reachable: commit.files.count)
        return .json(
            render.commitDetail(commit, fileRange: files),
            link: link(paging, request, reachable: commit.files.count))
    }

    /// A full SHA, a unique prefix of at least 7 hex digits, or a branch name.
    func findCommit(_ ref: String) -> FakeCommit? {
        if let commit = commitsBySHA[ref] { return commit }
        if let branch = data.branches.first(where: { $0.name == ref }) { return commitsBySHA[branch.sha] }
        guard ref.count >= 7, ref.allSatisfy(\.isHexDigit) else { return nil }
        let matches = commitsNewestFirst.filter { $0.sha.hasPrefix(ref.lowercased()) }
        return matches.count == 1 ? matches[0] : nil
    }

    // MARK: Actions

    func findWorkflow(_ idOrFile: String) -> FakeWorkflow? {
        if let id = Int(idOrFile) { return workflowsByID[id] }
        return data.workflows.first(where: { $0.fileName == idOrFile })
    }

    func workflows(_ query: [String: String]) -> RoutedResponse {
        let created = data.workflowRuns.map(\.createdAt).min() ?? Date(timeIntervalSince1970: 1_600_000_000)
        let paging = Pagination(query: query)
        let items = data.workflows[paging.range(reachable: data.workflows.count)].map {
            render.workflow($0, created: created.addingTimeInterval(-86_400))
        }
        return .json(["total_count": data.workflows.count, "workflows": items] as JSONObject)
    }

    func workflowRun(id: Int) -> RoutedResponse? {
        guard let run = data.workflowRuns.first(where: { $0.id == id }) else { return nil }
        return .json(render.workflowRun(run, workflow: workflowsByID[run.workflowID]))
    }

    /// The parameters that make GitHub cap a run listing at 1,000 results.
    static let cappingFilters = ["actor", "branch", "check_suite_id", "created", "event", "head_sha", "status"]
    static let runStatuses: Set<String> = ["completed", "in_progress", "queued", "requested", "waiting", "pending"]
    static let resultCap = 1_000

    func workflowRuns(_ request: HTTPRequestHead, workflow: FakeWorkflow?) -> RoutedResponse {
        let query = request.query
        var created: CreatedFilter?
        if let text = query["created"] {
            guard let filter = CreatedFilter(text) else { return .validationFailed("created") }
            created = filter
        }
        let status = query["status"]
        let selected = runsNewestFirst.filter { run in
            if let workflow, run.workflowID != workflow.id { return false }
            if let branch = query["branch"], run.headBranch != branch { return false }
            if let event = query["event"], run.event != event { return false }
            if let actor = query["actor"], run.actorLogin != actor { return false }
            if let sha = query["head_sha"], run.headSHA != sha { return false }
            if let suite = query["check_suite_id"], String(run.id / 3) != suite { return false }
            if let status {
                // `status` takes a status or a conclusion.
                if Self.runStatuses.contains(status) ? run.status != status : run.conclusion != status { return false }
            }
            if let created, !created.contains(run.createdAt) { return false }
            return true
        }
        let capped = Self.cappingFilters.contains { query[$0] != nil }
        let reachable = capped ? min(selected.count, Self.resultCap) : selected.count
        let paging = Pagination(query: query)
        let items = selected[paging.range(reachable: reachable)].map {
            render.workflowRun($0, workflow: workflowsByID[$0.workflowID])
        }
        return .json(
            ["total_count": selected.count, "workflow_runs": items] as JSONObject,
            link: link(paging, request, reachable: reachable))
    }

    // MARK: Rate limit

    func rateLimit() -> RoutedResponse {
        let reset = Int(Date().timeIntervalSince1970) + 3600
        func resource(_ limit: Int) -> JSONObject {
            ["limit": limit, "used": 0, "remaining": limit, "reset": reset]
        }
        let core = resource(5000)
        return .json([
            "resources": [
                "core": core, "search": resource(30), "graphql": resource(5000), "integration_manifest": resource(5000),
                "code_search": resource(10),
            ] as JSONObject,
            "rate": core,
        ])
    }

    private func link(_ paging: Pagination, _ request: HTTPRequestHead, reachable: Int) -> String? {
        paging.linkHeader(base: render.apiBase, path: request.path, rawQuery: request.rawQuery, reachable: reachable)
    }
}
