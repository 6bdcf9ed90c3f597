import Foundation
import Pipeline

/// What `paginate` does after a page has been handled.
public enum PageDecision: Sendable, Equatable {
    case `continue`
    case stop
}

extension HTTPClient {
    /// Fetches every page of a paginated listing and hands each to `onPage` in page order,
    /// with its 0-based index (the first page is index 0).
    ///
    /// Sequential mode follows `Link: rel="next"` one page at a time. Concurrent mode reads the
    /// first page's `rel="last"`; if that URL has a `page=N` parameter, pages 2…N (counted from
    /// the first page's own `page`, 1 if absent) are fetched concurrently, each through `send`
    /// (so the per-host bound applies), at most `maxConcurrentPerHost` fetched or buffered at a
    /// time, and delivered in order; without one it follows `next` as in sequential mode.
    /// Concurrent mode suits listings that do not shift while being read (closed items, fixed
    /// time ranges); a listing that grows meanwhile may repeat or skip items at page borders.
    ///
    /// Throws `HTTPError` for a non-2xx page (`.status`, with the API's message), a `next`
    /// link that returns to a fetched page (`.paginationLoop`) or more than `maxPages` pages
    /// (`.tooManyPages`); `onPage` errors propagate. Returning `.stop` ends the listing without
    /// fetching further pages.
    ///
    /// `fetch`, when given, sends each page's request instead of `send` (a `ConditionalFetcher`
    /// answering from a response cache); it must return what `send` would.
    public func paginate(
        _ first: HTTPRequest, concurrently: Bool = false, maxPages: Int = 10_000,
        fetch: (@Sendable (HTTPRequest) async throws -> HTTPResponse)? = nil,
        onPage: @Sendable (HTTPResponse, _ pageIndex: Int) async throws -> PageDecision
    ) async throws {
        let firstResponse = try await sendPage(first, fetch)
        guard try await onPage(firstResponse, 0) == .continue else { return }
        let links = LinkHeader.parse(firstResponse.headers["link"] ?? "")
        guard let next = links["next"].map({ LinkHeader.resolve($0, against: firstResponse.url) }) else { return }
        // Credentials stay with their origin: a link to another host ends the listing with an error.
        try CredentialScope.check(first, movingTo: next, how: "the next link")

        let last = links["last"].map { LinkHeader.resolve($0, against: firstResponse.url) }
        if concurrently, let plan = NumberedPages(first: first.url, next: next, last: last) {
            guard plan.count + 1 <= maxPages else {
                throw HTTPError(.tooManyPages(limit: maxPages), method: first.method, url: first.url, attempts: 0)
            }
            try await fetchNumbered(plan, template: first, fetch: fetch, onPage: onPage)
        } else {
            try await followNext(next, after: first, maxPages: maxPages, fetch: fetch, onPage: onPage)
        }
    }

    /// Sequential pagination: page after page along `rel="next"`.
    private func followNext(
        _ next: String, after first: HTTPRequest, maxPages: Int,
        fetch: (@Sendable (HTTPRequest) async throws -> HTTPResponse)?,
        onPage: @Sendable (HTTPResponse, Int) async throws -> PageDecision
    ) async throws {
        var visited: Set<String> = [first.url]
        var request = first
        var nextURL: String? = next
        var index = 0
        while let url = nextURL {
            index += 1
            guard index < maxPages else {
                throw HTTPError(.tooManyPages(limit: maxPages), method: first.method, url: first.url, attempts: 0)
            }
            guard visited.insert(url).inserted else {
                throw HTTPError(.paginationLoop, method: first.method, url: url, attempts: 0)
            }
            try CredentialScope.check(first, movingTo: url, how: "the next link")
            request.url = url
            let response = try await sendPage(request, fetch)
            guard try await onPage(response, index) == .continue else { return }
            nextURL = LinkHeader.parse(response.headers["link"] ?? "")["next"].map {
                LinkHeader.resolve($0, against: response.url)
            }
        }
    }

    /// Concurrent pagination over known page numbers: a sliding window of child tasks; results
    /// wait in `ready` until every earlier page has been delivered.
    private func fetchNumbered(
        _ plan: NumberedPages, template: HTTPRequest,
        fetch: (@Sendable (HTTPRequest) async throws -> HTTPResponse)?,
        onPage: @Sendable (HTTPResponse, Int) async throws -> PageDecision
    ) async throws {
        let window = max(1, configuration.maxConcurrentPerHost)
        try await withThrowingTaskGroup(of: (Int, HTTPResponse).self) { group in
            var nextToFetch = plan.firstPage
            var nextToDeliver = plan.firstPage
            var ready: [Int: HTTPResponse] = [:]

            func fetchNext() {
                guard nextToFetch <= plan.lastPage else { return }
                let page = nextToFetch
                var request = template
                request.url = plan.url(page)
                group.addTask { (page, try await self.sendPage(request, fetch)) }
                nextToFetch += 1
            }

            for _ in 0..<window { fetchNext() }
            while nextToDeliver <= plan.lastPage, let (page, response) = try await group.next() {
                ready[page] = response
                while let response = ready.removeValue(forKey: nextToDeliver) {
                    guard try await onPage(response, nextToDeliver - plan.firstPage + 1) == .continue else {
                        group.cancelAll()
                        return
                    }
                    nextToDeliver += 1
                    fetchNext()
                }
            }
        }
    }

    /// `send` (or `fetch`), insisting on a 2xx status.
    private func sendPage(
        _ request: HTTPRequest, _ fetch: (@Sendable (HTTPRequest) async throws -> HTTPResponse)?
    ) async throws -> HTTPResponse {
        let response = if let fetch { try await fetch(request) } else { try await send(request) }
        guard response.isSuccess else {
            let message = APIErrorMessage.extract(from: response.body)
            throw HTTPError(.status(response.status, message: message), method: request.method, url: request.url)
        }
        return response
    }
}

/// Page numbers that concurrent pagination can fetch directly: the `next` link must be the
/// first URL with `page` one higher, and `last` must carry `page=N`.
struct NumberedPages {
    /// The page after the first one fetched.
    let firstPage: Int
    let lastPage: Int
    let template: String

    init?(first: String, next: String, last: String?) {
        let current = URLQuery.value(of: "page", in: first).flatMap { Int($0) } ?? 1
        guard let last, let lastPage = URLQuery.value(of: "page", in: last).flatMap({ Int($0) }),
            URLQuery.value(of: "page", in: next).flatMap({ Int($0) }) == current + 1,
            lastPage > current
        else { return nil }
        self.firstPage = current + 1
        self.lastPage = lastPage
        self.template = next
    }

    var count: Int { lastPage - firstPage + 1 }

    func url(_ page: Int) -> String { URLQuery.setting("page", to: String(page), in: template) }
}
