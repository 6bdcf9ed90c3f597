import HTTP
import Pipeline
import Storage

/// Sends GETs through a `ResponseCache`: with a stored entry it asks conditionally
/// (`If-None-Match`, `If-Modified-Since`) and turns a 304 into the stored answer (status 200,
/// the stored body and `Link`); a new 200 is stored. URLs that `isImmutable` accepts are answered
/// from the cache without asking at all. Every answer (retried ones, and one that ends in an
/// error such as an exhausted rate limit, included) and every hit is counted in `usage`, with what
/// remains of the rate limit read from the header the client's `rateLimits` name.
///
/// Without a cache (`--no-cache`, or a state file that cannot be used) it only counts. Cache
/// errors never fail a request: the request is then simply sent unconditionally.
public struct ConditionalFetcher: Sendable {
    public var http: HTTPClient
    public var cache: ResponseCache?
    public var usage: APIUsage?
    /// URLs whose answer never changes (e.g. a commit by its full SHA): reused without revalidation.
    public var isImmutable: @Sendable (String) -> Bool

    public init(
        http: HTTPClient, cache: ResponseCache?, usage: APIUsage?,
        isImmutable: @escaping @Sendable (String) -> Bool = { _ in false }
    ) {
        self.http = http
        self.cache = cache
        self.usage = usage
        self.isImmutable = isImmutable
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let count: @Sendable (HTTPResponse) -> Void = { [usage, rules = http.configuration.rateLimits] response in
            usage?.record(status: response.status, rateLimitRemaining: rules.remaining(in: response.headers))
        }
        guard let cache, request.method == "GET" else {
            return try await http.send(request, onAnswer: count)
        }
        let authorization = Self.identity(of: request)
        if isImmutable(request.url), let entry = try? cache.lookup(url: request.url, authorization: authorization),
            entry.status == 200
        {
            usage?.recordCacheHit()
            http.configuration.logger.debug(HTTPClient.cacheHitLine(request))
            return Self.response(from: entry, url: request.url, headers: HTTPHeaders())
        }
        // Only the validators until the answer is in: the stored body is read on a 304.
        let validators = try? cache.validators(url: request.url, authorization: authorization)
        var conditional = request
        if let validators {
            if let etag = validators.etag { conditional.headers.append(("If-None-Match", etag)) }
            if let lastModified = validators.lastModified { conditional.headers.append(("If-Modified-Since", lastModified)) }
        }
        var response = try await http.send(conditional, onAnswer: count)
        if response.status == 304, validators != nil {
            if let entry = try? cache.lookup(url: request.url, authorization: authorization), entry.status == 200 {
                return Self.response(from: entry, url: response.url, headers: response.headers)
            }
            // The entry went away in between (evicted, or the file failed): ask again, unconditionally.
            response = try await http.send(request, onAnswer: count)
        }
        if response.status == 200, response.bodyError == nil,
            response.headers["etag"] != nil || response.headers["last-modified"] != nil || isImmutable(request.url)
        {
            let stored = ResponseCache.Entry(
                status: 200, etag: response.headers["etag"], lastModified: response.headers["last-modified"],
                link: response.headers["link"], body: response.body, storedAt: Timestamp.now())
            try? cache.store(url: request.url, authorization: authorization, stored)
        }
        return response
    }

    /// What an answer may depend on besides its URL, keying the cache entry with it: every header
    /// the request sends (sorted by name), so two credentials, whether in `Authorization` or in a
    /// header such as `X-API-Key`, never share an entry; and what the body was reduced to
    /// (`HTTPRequest.keeping`), so a stage that reads other fields of the same URL never gets an
    /// answer without them. The cache stores only a digest of it.
    static func identity(of request: HTTPRequest) -> String {
        let headers = request.headers.map { "\($0.0.lowercased()): \($0.1)" }.sorted()
        let keeping = request.keeping.map { ["keeping\(request.bodyFormat == .xml ? " xml" : ""): \($0.canonicalText)"] }
        return (headers + (keeping ?? [])).joined(separator: "\n")
    }

    /// The stored answer as a 200, with the 304's headers (rate limit, date) and the stored
    /// `ETag`, `Last-Modified` and `Link`.
    static func response(from entry: ResponseCache.Entry, url: String, headers: HTTPHeaders) -> HTTPResponse {
        var fields = headers.fields.filter { field in
            !["etag", "last-modified", "link", "content-length"].contains { HTTPHeaders.namesMatch(field.name, $0) }
        }
        if let etag = entry.etag { fields.append((name: "etag", value: etag)) }
        if let lastModified = entry.lastModified { fields.append((name: "last-modified", value: lastModified)) }
        if let link = entry.link { fields.append((name: "link", value: link)) }
        return HTTPResponse(status: entry.status, headers: HTTPHeaders(fields), body: entry.body, url: url)
    }
}

extension StageContext {
    /// Sends GETs through the run's response cache (when there is one), counting them in the
    /// run's API usage.
    public func fetcher(isImmutable: @escaping @Sendable (String) -> Bool = { _ in false }) throws -> ConditionalFetcher {
        ConditionalFetcher(
            http: try http, cache: services[ResponseCache.self], usage: services[APIUsage.self], isImmutable: isImmutable)
    }
}
