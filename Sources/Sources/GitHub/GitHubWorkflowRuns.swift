import Pipeline

/// `github_workflow_runs`: GitHub Actions runs (GET /repos/{owner}/{repo}/actions/runs, or
/// /actions/workflows/{workflow}/runs), counted exactly.
///
/// A filtered listing returns at most 1,000 runs, however many match (the old collector
/// reported exactly 1,000). With `created_within`, the stage asks for the `created` range,
/// reads `total_count`, and splits the range until every part holds fewer than 1,000 runs; each
/// part's pages are then fetched concurrently. The first page of a part that fits is kept.
struct GitHubWorkflowRuns: Source, FieldReading {
    struct Options: Decodable, Sendable, GitHubListingOptions {
        /// Runs created within this span before the run's clock, e.g. `7d`.
        var created_within: TimeSpan?
        /// Only runs of this branch, e.g. `{default_branch}`.
        var branch: RecordTemplate?
        /// `completed`, `in_progress`, `queued`, `success`, `failure`, … (GitHub's `status` filter).
        var status: String?
        /// `push`, `pull_request`, … (GitHub's `event` filter).
        var event: String?
        /// Only runs of one workflow: its id or file name (`ci.yml`).
        var workflow: String?
        /// At most this many runs, newest first (e.g. 1 for the latest).
        var limit: Int?
        var per_page: Int?
        var url: RecordTemplate?
        var token: String?
        var add_fields: [String: RecordTemplate]?
    }

    static let kind = StageKind.source(
        "github_workflow_runs", summary: "GitHub Actions runs, exact past the API's 1,000-result cap",
        options: Options.self, example: ["created_within": "7d"], inputs: .required
    ) { options in
        if let limit = options.limit, limit < 1 {
            throw OptionsDecoder.Failure(path: ["limit"], message: "must be at least 1")
        }
        return GitHubWorkflowRuns(options: options, perPage: try validPerPage(options.per_page))
    }

    /// Results a filtered listing returns at most.
    static let cap = 1000

    let options: Options
    let perPage: Int

    var fieldsRead: [FieldPath] { options.templateFields + (options.branch?.fields ?? []) }

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let api = GitHubAPI(token: GitHubAPI.token(option: options.token))
        let added = try options.addedFields(from: input)
        var listing = URLBuilder(try repositoryURL(options.url, input)).path("actions")
        if let workflow = options.workflow { listing = listing.path("workflows", workflow) }
        listing = listing.path("runs")
        if let branch = options.branch { listing = listing.query("branch", try branch.render(input)) }
        listing = listing.query("status", options.status).query("event", options.event)
        let emit: @Sendable ([JSON]) async -> Void = { await output.send(records: $0.adding(added)) }

        if let limit = options.limit {
            let url = listing.query("per_page", min(perPage, limit)).string
            let seen = Counter()
            try await api.paginate(url, concurrently: false,
                keeping: context.fields.nested(under: "workflow_runs"), context: context, items: { $0["workflow_runs"]?.array }
            ) { runs in
                let wanted = Array(runs.prefix(limit - seen.value))
                seen.add(wanted.count)
                await emit(wanted)
                return seen.value >= limit ? .stop : .continue
            }
            return
        }
        guard let span = options.created_within else {
            try await collect(listing, range: nil, api: api, context: context, emit: emit)
            return
        }
        let end = Int(context.now)
        try await collect(listing, range: (end - Int(span.seconds + context.lookback), end), api: api, context: context, emit: emit)
    }

    /// Runs created in `range` (inclusive, whole seconds), split while a part exceeds the cap.
    private func collect(
        _ listing: URLBuilder, range: (Int, Int)?, api: GitHubAPI, context: StageContext,
        emit: @escaping @Sendable ([JSON]) async -> Void
    ) async throws {
        var base = listing
        if let (from, to) = range { base = base.query("created", "\(Timestamp.format(Double(from)))..\(Timestamp.format(Double(to)))") }
        base = base.query("per_page", perPage)
        let first = base.query("page", 1).string
        let keep = context.fields.nested(under: "workflow_runs").union(FieldSelection([FieldPath("total_count")!]))
        let (body, _) = try await api.get(first, keeping: keep, context: context)
        guard let total = body["total_count"]?.number.map(Int.init), let runs = body["workflow_runs"]?.array else {
            throw GitHubError(url: first, message: "expected total_count and workflow_runs in the answer")
        }
        if total > Self.cap, let (from, to) = range, to > from {
            // Split into parts expected to hold ~80% of the cap each, so one more round is rare.
            let parts = min(to - from + 1, max(2, (total + Self.cap * 4 / 5 - 1) / (Self.cap * 4 / 5)))
            let width = (to - from + 1) / parts
            context.logger.debug("\(total) runs in \(Timestamp.format(Double(from)))..\(Timestamp.format(Double(to))): splitting in \(parts)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<parts {
                    let start = from + i * width
                    let stop = i == parts - 1 ? to : start + width - 1
                    group.addTask { try await collect(listing, range: (start, stop), api: api, context: context, emit: emit) }
                }
                try await group.waitForAll()
            }
            return
        }
        // GitHub caps only filtered listings (branch, status, event, created, …); an unfiltered
        // one pages through every run.
        let capped = range != nil || options.branch != nil || options.status != nil || options.event != nil
        if capped, total > Self.cap {
            context.logger.warning("\(total) runs match but GitHub returns at most \(Self.cap); set created_within to count them all")
        }
        await emit(runs)
        let pages = ((capped ? min(total, Self.cap) : total) + perPage - 1) / perPage
        guard pages > 1 else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for page in 2...pages {
                let url = base.query("page", page).string
                group.addTask {
                    let (body, _) = try await api.get(url, keeping: keep, context: context)
                    guard let runs = body["workflow_runs"]?.array else {
                        throw GitHubError(url: url, message: "expected workflow_runs in the answer")
                    }
                    await emit(runs)
                }
            }
            try await group.waitForAll()
        }
    }
}

import Synchronization

/// A count shared by the pages of one listing.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
