import Foundation
import LoopbackHTTP
import Synchronization

/// The per-request pipeline of the fake: stats endpoint, logging, faults, authentication, routing
/// (cached), conditional requests, and GitHub's common response headers.
final class RequestContext: Sendable {
    let token: String?
    let faults: FaultPlan
    let delay: Duration
    let failingPathPrefix: String?
    let shared: FakeGitHub.Shared
    private let maxInFlight = Mutex<(@Sendable () -> Int)?>(nil)

    init(token: String?, faults: FaultPlan, delay: Duration, failingPathPrefix: String?, shared: FakeGitHub.Shared) {
        self.token = token
        self.faults = faults
        self.delay = delay
        self.failingPathPrefix = failingPathPrefix
        self.shared = shared
    }

    func setStats(_ provider: @escaping @Sendable () -> Int) {
        maxInFlight.withLock { $0 = provider }
    }

    func handle(_ request: HTTPRequestHead) -> LoopbackResponse {
        if request.path == "/_stats" { return stats() }
        if request.path == "/_log" { return log(after: request.query["after"].flatMap { Int($0) } ?? 0) }
        let arrivedAt = Date().timeIntervalSince1970

        // Number the request and decide its fault under one lock, so the order is well defined.
        let (number, fault, router, generation) = shared.state.withLock {
            state -> (Int, FaultPlan.Fault?, GitHubRouter?, Int) in
            for index in faults.rules.indices where faults.rules[index].applies(toPath: request.path) {
                state.ruleCounts[index] += 1
            }
            let record = RecordedRequest(
                number: state.log.count + 1, method: request.method, target: request.target, path: request.path,
                authorization: request.headers["authorization"], userAgent: request.headers["user-agent"], status: 0,
                arrivedAt: arrivedAt)
            state.log.append(record)
            return (
                record.number, faults.fault(path: request.path, counts: state.ruleCounts), state.router,
                state.generation
            )
        }

        var response: LoopbackResponse
        if let fault {
            response = faultResponse(fault, number: number)
        } else if !isAuthorized(request) {
            response = finish(
                .json(GitHubRenderer.error("Bad credentials", status: 401), status: 401), request: request,
                number: number)
        } else if let failingPathPrefix, request.path.hasPrefix(failingPathPrefix) {
            response = finish(
                .json(GitHubRenderer.error("Server Error", status: 500), status: 500), request: request, number: number)
        } else if let router {
            response = finish(cachedRoute(request, router: router, generation: generation), request: request, number: number)
        } else {
            response = LoopbackResponse(status: 503)
        }
        response.delay = delay
        let status = response.dropConnection ? 0 : response.status
        let bytes = response.body.count
        shared.state.withLock {
            $0.log[number - 1].status = status
            $0.log[number - 1].bodyBytes = bytes
        }
        return response
    }

    private func isAuthorized(_ request: HTTPRequestHead) -> Bool {
        guard let token else { return true }
        guard let header = request.headers["authorization"] else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let scheme = parts[0].lowercased()
        return (scheme == "bearer" || scheme == "token") && parts[1] == token
    }

    /// Repository answers depend only on the request, so rendered pages are reused: the fake stays
    /// cheap when a benchmark fetches the same pages run after run.
    /// A page rendered by a router that `update` has since replaced is served but not cached.
    private func cachedRoute(_ request: HTTPRequestHead, router: GitHubRouter, generation: Int) -> RoutedResponse {
        let cacheable = request.path.hasPrefix("/repos/")
        let key = request.method + " " + request.target
        if cacheable, let hit = shared.state.withLock({ $0.cache[key] }) { return hit }
        let response = router.route(request)
        if cacheable {
            shared.state.withLock { if $0.generation == generation { $0.cache[key] = response } }
        }
        return response
    }

    /// Adds the headers GitHub sends on every answer, and answers `If-None-Match` with 304.
    private func finish(_ routed: RoutedResponse, request: HTTPRequestHead, number: Int) -> LoopbackResponse {
        let etag = routed.etag
        if routed.status == 200, request.headers["if-none-match"] == etag {
            return LoopbackResponse(status: 304, headers: commonHeaders(number: number) + [("etag", etag)])
        }
        var headers = commonHeaders(number: number)
        headers.append(("etag", etag))
        headers += routed.headers
        return LoopbackResponse(
            status: routed.status, headers: headers,
            body: request.method == "HEAD" ? [] : routed.body)
    }

    /// Requests a rate-limit window of the fake holds before it starts the next one, as if the
    /// hour had passed: a long-lived fake (a stress loop sends ~100,000 requests) never drops under
    /// the client's low-water mark, where it would space requests out for real minutes.
    static let requestsPerWindow = 4_000

    private func commonHeaders(number: Int, remaining: Int? = nil, reset: Int? = nil) -> [(String, String)] {
        var window = (number - 1) / Self.requestsPerWindow
        var used = (number - 1) % Self.requestsPerWindow + 1
        if let start = shared.rateLimitRemaining {
            window = 0
            used = min(5_000 - start + number, 4_999)
        }
        return [
            ("server", "github.com"),
            ("date", httpDate(Date())),
            ("content-type", "application/json; charset=utf-8"),
            ("cache-control", "private, max-age=60, s-maxage=60"),
            ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With"),
            ("x-github-media-type", "github.v3; format=json"),
            ("x-github-api-version-selected", "2022-11-28"),
            ("x-ratelimit-limit", "5000"),
            // Never under 1,000 unless a fault says so (see `requestsPerWindow`).
            ("x-ratelimit-remaining", String(remaining ?? 5000 - used)),
            ("x-ratelimit-reset", String(reset ?? shared.rateLimitReset + 3_600 * window)),
            ("x-ratelimit-used", String(remaining == 0 ? 5000 : used)),
            ("x-ratelimit-resource", "core"),
            ("x-github-request-id", "FA4E:\(String(number, radix: 16, uppercase: true))"),
        ]
    }

    private func faultResponse(_ fault: FaultPlan.Fault, number: Int) -> LoopbackResponse {
        switch fault {
        case .serverError(let status):
            let body = GitHubRenderer.error(status == 502 ? "Server Error" : "Service Unavailable", status: status)
            return LoopbackResponse(status: status, headers: commonHeaders(number: number), body: JSONBody.encode(body))
        case .secondaryRateLimit(let seconds):
            let body = GitHubRenderer.error(
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                status: 403,
                documentation:
                    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
            return LoopbackResponse(
                status: 403, headers: commonHeaders(number: number) + [("retry-after", String(seconds))],
                body: JSONBody.encode(body))
        case .tooManyRequests(let seconds):
            let body = GitHubRenderer.error("Too Many Requests", status: 429)
            return LoopbackResponse(
                status: 429, headers: commonHeaders(number: number) + [("retry-after", String(seconds))],
                body: JSONBody.encode(body))
        case .dropConnection:
            var response = LoopbackResponse(status: 0)
            response.dropConnection = true
            return response
        case .primaryRateLimit(let seconds):
            let reset = Int(Date().timeIntervalSince1970.rounded(.up)) + seconds
            let body = GitHubRenderer.error(
                "API rate limit exceeded for user ID 1000. If you reach out to GitHub Support for help, please include the request ID FA4E:\(number).",
                status: 403, documentation: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
            return LoopbackResponse(
                status: 403, headers: commonHeaders(number: number, remaining: 0, reset: reset),
                body: JSONBody.encode(body))
        }
    }

    /// GET /_stats: counters for benchmarks, outside the API (no auth, no faults, no delay).
    private func stats() -> LoopbackResponse {
        let requests = shared.state.withLock { $0.log.count }
        let inFlight = maxInFlight.withLock { $0 }?() ?? 0
        return .json(
            "{\"requests\":\(requests),\"max_in_flight\":\(inFlight)}",
            headers: [("content-type", "application/json; charset=utf-8")])
    }

    /// GET /_log?after=N: the API requests numbered above N, one JSON object each (number, target,
    /// status, arrival in seconds since 1970, the delay added, body bytes), for the benchmark's
    /// request log. Outside the API like `/_stats`.
    private func log(after: Int) -> LoopbackResponse {
        let records = shared.state.withLock { Array($0.log.dropFirst(max(0, after))) }
        let delaySeconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        let entries: [JSONValue] = records.map { record in
            .object([
                "number": JSONValue.int(record.number), "target": JSONValue.string(record.target),
                "status": JSONValue.int(record.status), "arrived": JSONValue.double(record.arrivedAt),
                "delay": JSONValue.double(delaySeconds), "bytes": JSONValue.int(record.bodyBytes),
            ])
        }
        return LoopbackResponse(
            status: 200, headers: [("content-type", "application/json; charset=utf-8")],
            body: JSONBody.encode(JSONValue.array(entries)))
    }

    private func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
