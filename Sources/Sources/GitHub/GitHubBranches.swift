import HTTP
import Pipeline

/// `github_branches`: every branch of the input repository (GET /repos/{owner}/{repo}/branches).
struct GitHubBranchesSource: Source {
    struct Options: Decodable, Sendable, GitHubListingOptions {
        var perPage: Int?
        var url: RecordTemplate?
        var token: String?
        var addFields: [String: RecordTemplate]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            perPage = try reader.optional("per_page")
            url = try reader.optional("url")
            token = try reader.optional("token")
            addFields = try reader.optional("add_fields")
        }
    }

    static let kind = StageKind.source(
        "github_branches", summary: "branches of the input repository, every page (fetched concurrently)",
        options: Options.self, example: ["add_fields": ["default_branch": "{default_branch}"]], inputs: .required,
        fieldsRead: { .fields($0.templateFields) },
        optionDocs: Options.docs(paged: true, [:])
    ) { GitHubBranchesSource(options: $0, api: GitHubAPI(options: $0), perPage: try validPerPage($0.perPage)) }

    let options: Options
    /// Resolved once when the stage is built: `run` is called once per input record.
    let api: GitHubAPI
    let perPage: Int

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let added = try options.addedFields(from: input)
        let url = URLBuilder(try repositoryURL(options.url, input)).path("branches").query("per_page", perPage)
        try await api.paginate(url.string, concurrently: true, keeping: context.fields, context: context) { records in
            await output.send(records: records.adding(added))
            return .continue
        }
    }
}
