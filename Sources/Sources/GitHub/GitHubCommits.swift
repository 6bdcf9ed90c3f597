import HTTP
import Pipeline

/// `github_commits`: commits of a branch (GET /repos/{owner}/{repo}/commits?sha=…&since=…&until=…).
///
/// `since` is a span before the run's clock, rounded down to the UTC day so the URL (and its
/// cached answer) stays the same all day; a `window` stage after this one keeps the span exact.
/// `until` is the clock itself for a backfill (`--as-of` more than a day ago); a run near the
/// wall clock leaves it out for the same reason. GitHub compares them with the commit
/// (committer) date.
struct GitHubCommitsSource: Source {
    struct Options: Decodable, Sendable, GitHubListingOptions {
        /// Branch, tag or SHA to list from, e.g. `{default_branch}`; default: the repository's default branch.
        var sha: RecordTemplate?
        /// Only commits within this span before the run's clock, e.g. `7d`.
        var since: TimeSpan?
        var perPage: Int?
        var url: RecordTemplate?
        var token: String?
        var addFields: [String: RecordTemplate]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            sha = try reader.optional("sha")
            since = try reader.optional("since")
            perPage = try reader.optional("per_page")
            url = try reader.optional("url")
            token = try reader.optional("token")
            addFields = try reader.optional("add_fields")
        }
    }

    static let kind = StageKind.source(
        "github_commits", summary: "commits of a branch within a span before the run's clock, every page",
        options: Options.self, example: ["sha": "{default_branch}", "since": "7d"], inputs: .required,
        fieldsRead: { .fields($0.templateFields + ($0.sha ?? RecordTemplate("{default_branch}")!).fields) },
        optionDocs: Options.docs(
            paged: true,
            [
                "sha": "branch, tag or SHA to list from (default {default_branch})",
                "since": "only commits within this span before the run clock, e.g. 7d (default: all)",
            ])
    ) { GitHubCommitsSource(options: $0, api: GitHubAPI(options: $0), perPage: try validPerPage($0.perPage)) }

    let options: Options
    /// Resolved once when the stage is built: `run` is called once per input record.
    let api: GitHubAPI
    let perPage: Int

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let added = try options.addedFields(from: input)
        var url = URLBuilder(try repositoryURL(options.url, input)).path("commits")
            .query("sha", try (options.sha ?? RecordTemplate("{default_branch}")!).render(input))
        if let since = options.since {
            url = url.query("since", Timestamp.format(Double(context.dayStart(before: since.seconds))))
        }
        if !context.listsOpenEnded { url = url.query("until", Timestamp.format(context.run.now)) }
        url = url.query("per_page", perPage)
        try await api.paginate(url.string, concurrently: true, keeping: context.fields, context: context) { records in
            await output.send(records: records.adding(added))
            return .continue
        }
    }
}
