import Foundation
import HTTP
import Pipeline

/// How GitHub stages talk to the REST API (v3): headers, JSON bodies, errors, pagination.
///
/// Stages after `github_repository` address the API through the repository record's `url`
/// (`https://api.github.com/repos/owner/name`, or `https://HOST/api/v3/repos/…` on GitHub
/// Enterprise Server), so only the first stage names the repository and the API.
struct GitHubAPI: Sendable {
    /// Where the `Bearer` token comes from: the stage's `token` option, else `$GITHUB_TOKEN` in the
    /// run's environment (`StageContext.environment`), read at run time.
    enum Token: Sendable {
        case option(String)
        case environment
    }

    var token: Token

    /// The API of a stage whose options may name a token.
    init(options: some GitHubListingOptions) { self.init(token: Self.token(option: options.token)) }

    init(token: Token) { self.token = token }

    /// GitHub's rate limits (docs.github.com, "Rate limits for the REST API"): `x-ratelimit-*`
    /// headers with the reset in epoch seconds, and a secondary limit announced in the body (the
    /// older wording says "abuse detection"). The token is in `Authorization`.
    static let rateLimits = RateLimitRules(
        limitHeader: "x-ratelimit-limit", remainingHeader: "x-ratelimit-remaining", resetHeader: "x-ratelimit-reset",
        resetFormat: .epochSeconds, secondaryLimitPhrases: ["secondary rate limit", "abuse detection"],
        credentialHeaders: ["Authorization"])

    /// The run's HTTP client, reading GitHub's rate limits.
    static func http(_ context: StageContext) throws -> HTTPClient {
        try context.http.with { $0.rateLimits = rateLimits }
    }

    /// The token option, else `$GITHUB_TOKEN`.
    static func token(option: String?) -> Token { option.map(Token.option) ?? .environment }

    /// The `Bearer` token of a request; nil (none, or empty) for public repositories. Never
    /// logged, never in errors.
    func bearer(context: StageContext) -> String? {
        let value: String? =
            switch token {
            case .option(let given): given
            case .environment: context.environment["GITHUB_TOKEN"]
            }
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// A GET of `url`; its answer is reduced to `selection` as it arrives (unless that keeps all).
    func request(_ url: String, keeping selection: FieldSelection = .all, context: StageContext) -> HTTPRequest {
        var headers = [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")]
        if let token = bearer(context: context) { headers.append(("Authorization", "Bearer \(token)")) }
        var request = HTTPRequest.get(url, headers: headers)
        if selection != .all { request.keeping = selection }
        return request
    }

    /// One GET whose JSON body is returned (only the `keeping` parts); a non-2xx answer is an error.
    /// `cached: false` asks unconditionally (still counted), for an answer whose headers matter
    /// beyond what its ETag covers.
    func get(
        _ url: String, keeping selection: FieldSelection = .all, cached: Bool = true, context: StageContext
    ) async throws -> (JSON, HTTPResponse) {
        let fetcher =
            cached
            ? try Self.fetcher(context)
            : ConditionalFetcher(http: try Self.http(context), cache: nil, usage: context.services[APIUsage.self])
        let response = try await fetcher.send(request(url, keeping: selection, context: context))
        guard response.isSuccess else {
            let message = (try? JSONParser.parse(response.body))?["message"]?.string
            throw HTTPError(.status(response.status, message: message), method: "GET", url: url)
        }
        return (try Self.decode(response, keeping: selection), response)
    }

    /// Every page of a listing, in order; `onPage` gets each page's records and may stop early.
    /// `selection` applies to the page's body: each record's fields, for a plain list.
    func paginate(
        _ url: String, concurrently: Bool, keeping selection: FieldSelection = .all, context: StageContext,
        items: @escaping @Sendable (JSON) -> [JSON]? = { $0.array },
        onPage: @escaping @Sendable ([JSON]) async throws -> PageDecision
    ) async throws {
        let fetcher = try Self.fetcher(context)
        try await fetcher.http.paginate(
            request(url, keeping: selection, context: context), concurrently: concurrently, fetch: fetcher.send
        ) {
            response, _ in
            let body = try Self.decode(response, keeping: selection)
            guard let records = items(body) else {
                throw GitHubError(url: response.url, message: "expected a list, found \(body.kindName)")
            }
            return try await onPage(records)
        }
    }

    /// Every GET goes through the run's response cache (conditional requests; none at all for a
    /// commit by its full SHA, which never changes) and is counted in the run's API usage, with
    /// GitHub's rate limits.
    static func fetcher(_ context: StageContext) throws -> ConditionalFetcher {
        var fetcher = try context.fetcher(isImmutable: isImmutable)
        fetcher.http = fetcher.http.with { $0.rateLimits = rateLimits }
        return fetcher
    }

    /// A commit addressed by its full SHA (`…/commits/{40 hex}`, any page of its files): its
    /// answer never changes, so a stored one is reused without asking.
    static func isImmutable(_ url: String) -> Bool {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        let segments = path.split(separator: "/")
        guard segments.count >= 2, segments[segments.count - 2] == "commits" else { return false }
        let sha = segments[segments.count - 1]
        return sha.utf8.count == 40
            && sha.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }

    static func decode(_ response: HTTPResponse, keeping selection: FieldSelection = .all) throws -> JSON {
        do {
            return try response.json(keeping: selection)
        } catch {
            throw GitHubError(url: response.url, message: "the response is not JSON (\(error.reason) at line \(error.line))")
        }
    }
}

/// A GitHub answer the stage cannot use, as one line.
struct GitHubError: Error, CustomStringConvertible, Sendable {
    var url: String
    var message: String
    var description: String { "GET \(URLRedaction.redact(url)): \(message)" }
}

/// Options every GitHub stage after `github_repository` shares.
protocol GitHubListingOptions {
    /// The repository's (or commit's) API URL, from the input record.
    var url: RecordTemplate? { get }
    /// Overrides `$GITHUB_TOKEN`.
    var token: String? { get }
    /// Fields added to each record, from the input record: `{"default_branch": "{default_branch}"}`.
    var addFields: [String: RecordTemplate]? { get }
}

extension GitHubListingOptions {
    /// The docs of `url`, `token` and `add_fields` (and `per_page`, for a paged listing), with
    /// the stage's own: the `optionDocs` of each GitHub stage that reads the input repository.
    static func docs(paged: Bool, _ own: [String: String]) -> [String: String] {
        var docs = [
            "url": "API URL of the repository, from the input record (default {url})",
            "token": "GitHub token (default $GITHUB_TOKEN)",
            "add_fields": "fields added to each record, rendered from the input record (default: none)",
        ]
        if paged { docs["per_page"] = "page size, 1 to 100 (default 100)" }
        return docs.merging(own) { _, stage in stage }
    }

    /// The input record's fields the options' templates read.
    var templateFields: [FieldPath] {
        ([url ?? RecordTemplate("{url}")!] + (addFields ?? [:]).values).flatMap(\.fields)
    }

    /// `add_fields` rendered for one input record.
    func addedFields(from input: JSON?) throws -> [(String, JSON)] {
        try (addFields ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .string(try $0.value.render(input))) }
    }
}

extension Array where Element == JSON {
    /// Records with `fields` set on each.
    func adding(_ fields: [(String, JSON)]) -> [JSON] {
        guard !fields.isEmpty else { return self }
        return map { record in
            guard case .object(var object) = record else { return record }
            for (key, value) in fields { object[key] = value }
            return .object(object)
        }
    }
}

/// The repository's API URL from the input record (`url` of a `github_repository` record).
func repositoryURL(_ template: RecordTemplate?, _ input: JSON?) throws -> String {
    let url = try (template ?? RecordTemplate("{url}")!).render(input)
    return url.hasSuffix("/") ? String(url.dropLast()) : url
}
