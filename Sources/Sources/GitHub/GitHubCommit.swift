import HTTP
import Pipeline
import Synchronization

/// `github_commit`: one commit with its `stats` and every page of `files`
/// (GET /repos/{owner}/{repo}/commits/{sha}), once per input commit: the per-commit fan-out.
///
/// GitHub lists at most 300 files a page and links the rest; each page repeats the commit, so
/// the stage merges the pages' `files` into one record.
struct GitHubCommitSource: Source {
    struct Options: Decodable, Sendable, GitHubListingOptions {
        /// The commit's API URL from the input record; default `{url}` (as commit listings give it).
        var url: RecordTemplate?
        var token: String?
        var addFields: [String: RecordTemplate]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            url = try reader.optional("url")
            token = try reader.optional("token")
            addFields = try reader.optional("add_fields")
        }
    }

    static let kind = StageKind.source(
        "github_commit", summary: "each input commit in full: stats and every page of files",
        options: Options.self, example: ["url": "{url}"], inputs: .required, fieldsRead: { .fields($0.templateFields) },
        optionDocs: [
            "url": "the commit's API URL, from the input record (default {url})",
            "token": "GitHub token (default $GITHUB_TOKEN)",
            "add_fields": "fields added to each record, rendered from the input record (default: none)",
        ]
    ) { GitHubCommitSource(options: $0, api: GitHubAPI(options: $0)) }

    let options: Options
    /// Resolved once when the stage is built: `run` is called once per input record.
    let api: GitHubAPI

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let added = try options.addedFields(from: input)
        let url = try (options.url ?? RecordTemplate("{url}")!).render(input)
        let pages = PageCollector()
        try await api.paginate(url, concurrently: true, keeping: context.fields, context: context, items: { [$0] }) { records in
            pages.append(records)
            return .continue
        }
        guard case .object(var commit)? = pages.all.first else { return }
        // Only when `files` is kept: a selection without it must not gain an empty list.
        if pages.all.count > 1, commit["files"] != nil {
            commit["files"] = .array(pages.all.flatMap { $0["files"]?.array ?? [] })
        }
        await output.send(records: [JSON.object(commit)].adding(added))
    }
}

/// Pages gathered in the order `paginate` delivers them.
final class PageCollector: Sendable {
    private let pages = Mutex<[JSON]>([])
    func append(_ records: [JSON]) { pages.withLock { $0 += records } }
    var all: [JSON] { pages.withLock { $0 } }
}
