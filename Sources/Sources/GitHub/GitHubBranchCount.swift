import HTTP
import Pipeline

/// `github_branch_count`: how many branches the input repository has, for one request whatever
/// the number: GET /repos/{owner}/{repo}/branches?per_page=1, whose `Link rel="last"` names the
/// page, and so the branch, count.
///
/// Emits one record `{"count": N, "other_than_default": M}`. `M` is `N - 1` for a repository
/// with branches (its default branch is always one of them) and 0 for an empty one.
///
/// The request is sent unconditionally and counts against the rate limit: an ETag covers the
/// body (the first branch), not the `Link` header, so a 304 could hide a branch added at the
/// end of the alphabet. One counted request per run is what exactness costs here; listing
/// every branch (`github_branches`) costs a page per 100 and re-fetches every page after a
/// new name.
struct GitHubBranchCountSource: Source {
    struct Options: Decodable, Sendable {
        var url: RecordTemplate?
        var token: String?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            url = try reader.optional("url")
            token = try reader.optional("token")
        }
    }

    static let kind = StageKind.source(
        "github_branch_count", summary: "the number of branches of the input repository, in one request",
        options: Options.self, example: [:], inputs: .required,
        fieldsRead: { .fields(($0.url ?? RecordTemplate("{url}")!).fields) },
        optionDocs: [
            "url": "API URL of the repository, from the input record (default {url})",
            "token": "GitHub token (default $GITHUB_TOKEN)",
        ]
    ) { GitHubBranchCountSource(options: $0, api: GitHubAPI(token: GitHubAPI.token(option: $0.token))) }

    let options: Options
    /// Resolved once when the stage is built.
    let api: GitHubAPI

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let url = URLBuilder(try repositoryURL(options.url, input)).path("branches").query("per_page", 1).string
        let (body, response) = try await api.get(url, cached: false, context: context)
        let count = try Self.count(body, response)
        await output.send(.record(["count": .number(Double(count)), "other_than_default": .number(Double(max(count - 1, 0)))]))
    }

    /// The last page's number when there are several pages of one, else the first page's size.
    static func count(_ body: JSON, _ response: HTTPResponse) throws -> Int {
        let links = response.headers["link"].map(LinkHeader.parse) ?? [:]
        if let last = links["last"] {
            guard let page = URLQuery.value(of: "page", in: last).flatMap(Int.init), page >= 1 else {
                throw GitHubError(
                    url: response.url, message: "the Link header's last page has no page number: \(URLRedaction.redact(last))")
            }
            return page
        }
        if links["next"] != nil {
            throw GitHubError(url: response.url, message: "the Link header has a next page but no last page")
        }
        guard let records = body.array else {
            throw GitHubError(url: response.url, message: "expected a list")
        }
        return records.count
    }
}
