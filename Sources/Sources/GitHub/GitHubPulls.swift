import HTTP
import Pipeline

/// `github_pulls`: pull requests of the input repository (GET /repos/{owner}/{repo}/pulls).
///
/// With `updated_since`, the listing is read newest-updated first and stops at the first page
/// that reaches past that span: a PR merged or closed inside a window was updated inside it, so
/// the 2,000 old closed PRs of a busy repository cost no requests.
struct GitHubPullsSource: Source {
    struct Options: Decodable, Sendable, GitHubListingOptions {
        /// `open` (default), `closed` or `all`.
        var state: String?
        /// Only PRs updated within this span before the run's clock (e.g. `7d`).
        var updatedSince: TimeSpan?
        var perPage: Int?
        /// The repository's API URL, from the input record; default `{url}`.
        var url: RecordTemplate?
        var token: String?
        var addFields: [String: RecordTemplate]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            state = try reader.optional("state")
            updatedSince = try reader.optional("updated_since")
            perPage = try reader.optional("per_page")
            url = try reader.optional("url")
            token = try reader.optional("token")
            addFields = try reader.optional("add_fields")
        }
    }

    static let kind = StageKind.source(
        "github_pulls", summary: "pull requests of the input repository, every page", options: Options.self,
        example: ["state": "closed", "updated_since": "7d"], inputs: .required, fieldsRead: { .fields($0.templateFields) },
        optionDocs: Options.docs(
            paged: true,
            [
                "state": "open, closed or all (default open)",
                "updated_since": "only PRs updated within this span before the run clock, e.g. 7d (default: all)",
            ])
    ) { options in
        let state = options.state ?? "open"
        guard ["open", "closed", "all"].contains(state) else {
            throw OptionsDecoder.Failure(path: ["state"], message: "\"\(state)\" is not open, closed or all")
        }
        return GitHubPullsSource(
            options: options, api: GitHubAPI(options: options), state: state, perPage: try validPerPage(options.perPage))
    }

    let options: Options
    /// Resolved once when the stage is built: `run` is called once per input record.
    let api: GitHubAPI
    let state: String
    let perPage: Int

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let added = try options.addedFields(from: input)
        var url = URLBuilder(try repositoryURL(options.url, input)).path("pulls").query("state", state)
        let cutoff = options.updatedSince.map { context.run.now - $0.seconds - context.run.lookback }
        if cutoff != nil { url = url.query("sort", "updated").query("direction", "desc") }
        url = url.query("per_page", perPage)
        // `updated_at` is read only for the cutoff; without one the selection stands as it is.
        let keep = cutoff == nil ? context.fields : context.fields.union(FieldSelection([FieldPath("updated_at")!]))
        try await api.paginate(url.string, concurrently: cutoff == nil, keeping: keep, context: context) { records in
            guard let cutoff else {
                await output.send(records: records.adding(added))
                return .continue
            }
            let kept = records.filter { record in
                guard let updated = record["updated_at"]?.string.flatMap(Timestamp.parse) else { return true }
                return updated >= cutoff
            }
            await output.send(records: kept.adding(added))
            return kept.count == records.count ? .continue : .stop
        }
    }
}

/// `per_page`, 1…100 (GitHub's maximum), default 100.
func validPerPage(_ value: Int?) throws -> Int {
    let value = value ?? 100
    guard (1...100).contains(value) else {
        throw OptionsDecoder.Failure(path: ["per_page"], message: "\(value) is outside 1…100 (GitHub's limit)")
    }
    return value
}
