import Foundation
import HTTP
import Pipeline

/// `github_repository`: the repository record (GET /repos/{owner}/{repo}), whose
/// `default_branch` and `url` the other GitHub stages use.
struct GitHubRepositorySource: Source {
    struct Options: Decodable, Sendable {
        /// `owner/name`.
        var repository: String
        /// API base: `https://api.github.com` (default) or `https://HOST/api/v3` for GitHub Enterprise Server.
        var apiURL: String?
        /// Overrides `$GITHUB_TOKEN`.
        var token: String?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            repository = try reader.required("repository")
            apiURL = try reader.optional("api_url")
            token = try reader.optional("token")
        }
    }

    static let kind = StageKind.source(
        "github_repository", summary: "the repository (default branch, API URL) from GET /repos/{owner}/{repo}",
        options: Options.self,
        example: ["repository": "octo-org/octo-repo", "api_url": "https://api.github.com"],
        optionDocs: [
            "repository": "the repository, owner/name (required)",
            "api_url": "API base URL (default https://api.github.com; https://HOST/api/v3 for Enterprise Server)",
            "token": "GitHub token (default $GITHUB_TOKEN)",
        ]
    ) { options in
        let parts = options.repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw OptionsDecoder.Failure(path: ["repository"], message: "\"\(options.repository)\" is not owner/name")
        }
        let base = options.apiURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? "https://api.github.com"
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw OptionsDecoder.Failure(path: ["api_url"], message: "\"\(base)\" is not an http(s) URL")
        }
        return GitHubRepositorySource(
            url: URLBuilder(base).path("repos", String(parts[0]), String(parts[1])).string,
            api: GitHubAPI(token: GitHubAPI.token(option: options.token)))
    }

    let url: String
    let api: GitHubAPI

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let keep = context.fields.union(FieldSelection([FieldPath("default_branch")!]))
        let (repository, _) = try await api.get(url, keeping: keep, context: context)
        guard repository["default_branch"]?.string != nil else {
            throw GitHubError(url: url, message: "the answer has no default_branch; is this a repository URL?")
        }
        await output.send(.record(repository))
    }
}
