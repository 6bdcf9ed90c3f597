import HTTP
import Pipeline
import Synchronization

/// `github_workflow_runs`: GitHub Actions runs (GET /repos/{owner}/{repo}/actions/runs, or
/// /actions/workflows/{workflow}/runs), counted exactly.
///
/// A filtered listing returns at most 1,000 runs, however many match (the old collector
/// reported exactly 1,000). With `created_within`, the stage asks for the `created` range,
/// reads `total_count`, and while a range holds more than 1,000 runs splits it at UTC day
/// boundaries (then hours, then minutes); each part's pages are then fetched concurrently. The
/// first page of a part that fits is kept.
///
/// The range starts at the UTC day of `created_within` before the run's clock and, unless the
/// run is a backfill (its clock more than a day from the wall clock), is open-ended; the parts
/// are whole days, the current one open-ended. So the URLs stay the same from one run to the
/// next and an unchanged listing is answered 304 (free). The `window` stage after this one
/// keeps the count exact.
///
/// A live listing of more than one page is split at UTC days even under the cap: runs are
/// listed newest first, so one new run would shift every page of a single listing, while split,
/// only today's part changes and the past days' pages revalidate for free. Completed runs of
/// past days are so kept from run to run, and a re-run (which changes its run's page) or a run
/// still in progress is fetched again: the result is always a cold run's.
struct GitHubWorkflowRunsSource: Source {
    struct Options: Decodable, Sendable, GitHubListingOptions {
        /// Runs created within this span before the run's clock, e.g. `7d`.
        var createdWithin: TimeSpan?
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
        var perPage: Int?
        var url: RecordTemplate?
        var token: String?
        var addFields: [String: RecordTemplate]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            createdWithin = try reader.optional("created_within")
            branch = try reader.optional("branch")
            status = try reader.optional("status")
            event = try reader.optional("event")
            workflow = try reader.optional("workflow")
            limit = try reader.optional("limit")
            perPage = try reader.optional("per_page")
            url = try reader.optional("url")
            token = try reader.optional("token")
            addFields = try reader.optional("add_fields")
        }
    }

    static let kind = StageKind.source(
        "github_workflow_runs", summary: "GitHub Actions runs, exact past the API's 1,000-result cap",
        options: Options.self, example: ["created_within": "7d"], inputs: .required,
        fieldsRead: { .fields($0.templateFields + ($0.branch?.fields ?? [])) },
        optionDocs: Options.docs(
            paged: true,
            [
                "created_within": "only runs created within this span before the run clock, e.g. 7d (default: all)",
                "branch": "only runs of this branch, e.g. {default_branch} (default: all)",
                "status": "GitHub's status filter: completed, in_progress, success, failure… (default: all)",
                "event": "GitHub's event filter: push, pull_request… (default: all)",
                "workflow": "only runs of this workflow, its id or file name (default: all)",
                "limit": "at most this many runs, newest first (default: no limit)",
            ])
    ) { options in
        if let limit = options.limit, limit < 1 {
            throw OptionsDecoder.Failure(path: ["limit"], message: "must be at least 1")
        }
        return GitHubWorkflowRunsSource(
            options: options, api: GitHubAPI(options: options), perPage: try validPerPage(options.perPage))
    }

    /// Results a filtered listing returns at most.
    static let cap = 1000

    let options: Options
    /// Resolved once when the stage is built: `run` is called once per input record.
    let api: GitHubAPI
    let perPage: Int

    func run(input: JSON?, output: Output, context: StageContext) async throws {
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
            try await api.paginate(
                url, concurrently: false,
                keeping: context.fields.nested(under: "workflow_runs"), context: context, items: { $0["workflow_runs"]?.array }
            ) { runs in
                let wanted = Array(runs.prefix(limit - seen.value))
                seen.add(wanted.count)
                await emit(wanted)
                return seen.value >= limit ? .stop : .continue
            }
            return
        }
        guard let span = options.createdWithin else {
            try await collect(listing, range: nil, api: api, context: context, emit: emit)
            return
        }
        let range = CreatedRange(
            from: context.dayStart(before: span.seconds), to: context.listsOpenEnded ? nil : Int(context.run.now))
        try await collect(listing, range: range, api: api, context: context, splitForReuse: context.listsOpenEnded, emit: emit)
    }

    /// One request of a listing: a part's first page (which tells how many pages the part has,
    /// or that it must be split), or one of its other pages.
    private enum PageJob: Sendable {
        case first(CreatedRange?, splitForReuse: Bool)
        case page(String)
    }

    /// Runs created in `range`, split while a part exceeds the cap (or, with `splitForReuse`,
    /// once when it holds more than a page).
    ///
    /// Every request of the listing goes through one sliding window of the host's slots: a
    /// part's first page is asked before any page waiting (it unlocks more requests), and no
    /// more tasks exist than can be in flight (60 waiting pages held about 1 MiB).
    private func collect(
        _ listing: URLBuilder, range: CreatedRange?, api: GitHubAPI, context: StageContext, splitForReuse: Bool = false,
        emit: @escaping @Sendable ([JSON]) async -> Void
    ) async throws {
        let window = max(1, try context.http.configuration.maxConcurrentPerHost)
        let keep = context.fields.nested(under: "workflow_runs").union(FieldSelection([FieldPath("total_count")!]))
        try await withThrowingTaskGroup(of: [PageJob].self) { group in
            var waiting: [PageJob] = [.first(range, splitForReuse: splitForReuse)]
            var running = 0
            while true {
                while running < window, !waiting.isEmpty {
                    let job = waiting.removeFirst()
                    group.addTask {
                        try await perform(job, listing: listing, keep: keep, api: api, context: context, emit: emit)
                    }
                    running += 1
                }
                guard let more = try await group.next() else { return }
                running -= 1
                // First pages ahead of the pages already waiting; pages after them.
                let firsts = more.filter { if case .first = $0 { true } else { false } }
                waiting = firsts + waiting + more.filter { if case .page = $0 { true } else { false } }
            }
        }
    }

    /// Fetches one page of the listing and emits its runs; returns the requests it unlocks.
    private func perform(
        _ job: PageJob, listing: URLBuilder, keep: FieldSelection, api: GitHubAPI, context: StageContext,
        emit: @escaping @Sendable ([JSON]) async -> Void
    ) async throws -> [PageJob] {
        switch job {
        case .page(let url):
            let (body, _) = try await api.get(url, keeping: keep, context: context)
            guard let runs = body["workflow_runs"]?.array else {
                throw GitHubError(url: url, message: "expected workflow_runs in the answer")
            }
            await emit(runs)
            return []
        case .first(let range, let splitForReuse):
            return try await first(
                listing, range: range, splitForReuse: splitForReuse, keep: keep, api: api, context: context, emit: emit)
        }
    }

    /// A part's first page: its runs emitted and its other pages returned, or its parts when it
    /// must be split.
    private func first(
        _ listing: URLBuilder, range: CreatedRange?, splitForReuse: Bool, keep: FieldSelection, api: GitHubAPI,
        context: StageContext, emit: @escaping @Sendable ([JSON]) async -> Void
    ) async throws -> [PageJob] {
        var base = listing
        if let range { base = base.query("created", range.query) }
        base = base.query("per_page", perPage)
        let first = base.query("page", 1).string
        let (body, _) = try await api.get(first, keeping: keep, context: context)
        guard let total = body["total_count"]?.number.map(Int.init), let runs = body["workflow_runs"]?.array else {
            throw GitHubError(url: first, message: "expected total_count and workflow_runs in the answer")
        }
        let reuse = splitForReuse && total > perPage && range?.crossesUTCDay(now: Int(context.run.now)) == true
        if total > Self.cap || reuse, let parts = range?.parts(now: Int(context.run.now)) {
            context.logger.debug("\(total) runs created \(range?.query ?? ""): splitting in \(parts.count)")
            return parts.map { .first($0, splitForReuse: false) }
        }
        // GitHub caps only filtered listings (branch, status, event, created, …); an unfiltered
        // one pages through every run.
        let capped = range != nil || options.branch != nil || options.status != nil || options.event != nil
        if capped, total > Self.cap {
            context.logger.warning(
                "\(total) runs match but GitHub returns at most \(Self.cap); set created_within to count them all")
        }
        await emit(runs)
        let pages = ((capped ? min(total, Self.cap) : total) + perPage - 1) / perPage
        guard pages > 1 else { return [] }
        return (2...pages).map { .page(base.query("page", $0).string) }
    }
}

/// A `created` filter: `from..to` (inclusive, whole seconds), or `>=from` when `to` is nil.
struct CreatedRange: Sendable, Equatable {
    var from: Int
    var to: Int?

    var query: String {
        let start = Timestamp.format(Double(from))
        guard let to else { return ">=" + start }
        return start + ".." + Timestamp.format(Double(to))
    }

    /// Whether the range holds more than one UTC day (an open range: up to `now`).
    func crossesUTCDay(now: Int) -> Bool { from / 86_400 != (to ?? now) / 86_400 }

    /// The range cut at the boundaries of the largest unit (UTC day, hour, minute, second) it
    /// crosses, so the parts (whole units but the first and last) stay the same from one run to
    /// the next; the last part is open-ended if the range is. An open range counts up to `now`;
    /// as a last resort it is cut just after `now` (what comes later is not counted). nil when
    /// it cannot be cut.
    func parts(now: Int) -> [CreatedRange]? {
        let last = to ?? max(now, from)
        for unit in [86_400, 3_600, 60, 1] {
            var boundary = ListingBounds.floor(from, to: unit) + unit
            guard boundary <= last else { continue }
            var parts: [CreatedRange] = []
            var start = from
            while boundary <= last {
                parts.append(CreatedRange(from: start, to: boundary - 1))
                start = boundary
                boundary += unit
            }
            parts.append(CreatedRange(from: start, to: to))
            return parts
        }
        return to == nil && from <= now ? [CreatedRange(from: from, to: now), CreatedRange(from: now + 1, to: nil)] : nil
    }
}

/// A count shared by the pages of one listing.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
