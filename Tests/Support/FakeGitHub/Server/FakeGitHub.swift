import Foundation
import LoopbackHTTP
import Synchronization

/// A fake GitHub REST v3 API for one repository, served over real HTTP on 127.0.0.1.
///
/// It answers the endpoints the collector reads, with GitHub's pagination, caps, headers and
/// errors, and records what it was asked, so tests can check both the metrics a collector
/// computes and how it talked to the API.
public final class FakeGitHub: Sendable {
    /// What the fake serves now (changed by `update`).
    public var data: FakeGitHubData { shared.state.withLock { $0.data } }
    public let token: String?
    public let faults: FaultPlan
    public let delay: Duration
    private let server: LoopbackServer
    private let shared: Shared

    /// State reached from the server's connection threads.
    final class Shared: Sendable {
        struct State {
            var data: FakeGitHubData
            var router: GitHubRouter?
            /// Bumped by `update`: a page rendered from an older router is not cached.
            var generation = 0
            var log: [RecordedRequest] = []
            var ruleCounts: [Int]
            var cache: [String: RoutedResponse] = [:]
        }

        let state: Mutex<State>
        /// The primary rate limit window: resets an hour after the fake starts.
        let rateLimitReset = Int(Date().timeIntervalSince1970) + 3600
        /// When set, the first window starts with this many requests left (a token other
        /// collectors have nearly spent) and counts down to 1 without rolling over.
        let rateLimitRemaining: Int?

        init(data: FakeGitHubData, ruleCount: Int, rateLimitRemaining: Int? = nil) {
            self.rateLimitRemaining = rateLimitRemaining
            state = Mutex(State(data: data, ruleCounts: Array(repeating: 0, count: ruleCount)))
        }
    }

    /// Starts serving `data` on an ephemeral port (or `port`). With a `token`, every API request
    /// must authenticate with `Authorization: Bearer TOKEN` (or `token TOKEN`). `delay` is added to
    /// every API answer (benchmarks use 40 ms to imitate GitHub's latency).
    ///
    /// `rateLimitRemaining` starts the token's hour with that many requests left, down to 1, as
    /// when other collectors share a nearly spent token.
    ///
    /// `failingPathPrefix` is the one deliberately permanent fault, for testing how a collector
    /// isolates a stage that never succeeds: every request whose path starts with it gets a 500.
    public init(
        data: FakeGitHubData, token: String? = nil, faults: FaultPlan = .none, delay: Duration = .zero,
        port: UInt16 = 0, failingPathPrefix: String? = nil, rateLimitRemaining: Int? = nil
    ) throws {
        self.token = token
        self.faults = faults
        self.delay = delay
        let shared = Shared(data: data, ruleCount: faults.rules.count, rateLimitRemaining: rateLimitRemaining)
        self.shared = shared
        let context = RequestContext(
            token: token, faults: faults, delay: delay, failingPathPrefix: failingPathPrefix, shared: shared)
        server = try LoopbackServer(port: port) { request in context.handle(request) }
        // The router renders absolute URLs, so it needs the port, known only after binding.
        // Nobody can send a request before this line: nobody knows the port yet.
        let router = GitHubRouter(data: data, apiBase: server.baseURL)
        shared.state.withLock { $0.router = router }
        context.setStats { [weak server] in server?.maxInFlight ?? 0 }
    }

    deinit { server.stop() }

    /// The API base URL ("http://127.0.0.1:PORT"), what `GITHUB_API_URL` should be set to.
    public var baseURL: String { server.baseURL }
    public var port: UInt16 { server.port }

    public func stop() { server.stop() }

    /// Changes what the fake serves, while it serves: applies `change` to the data, rebuilds the
    /// router and drops the rendered pages. ETags are hashes of the bodies, so a page whose content
    /// did not change keeps its ETag (and still answers 304), a changed one gets a new one.
    public func update(_ change: (inout FakeGitHubData) -> Void) {
        let baseURL = server.baseURL
        shared.state.withLock { state in
            change(&state.data)
            state.router = GitHubRouter(data: state.data, apiBase: baseURL)
            state.cache = [:]
            state.generation += 1
        }
    }

    /// API requests received so far (`/_stats` excluded), faulted ones included.
    public var requestCount: Int { shared.state.withLock { $0.log.count } }

    /// The highest number of requests the fake was handling at the same time.
    public var maxInFlight: Int { server.maxInFlight }

    /// Every API request so far, in arrival order.
    public var requestLog: [RecordedRequest] { shared.state.withLock { $0.log } }

    /// API requests whose path starts with `pathPrefix`, either absolute ("/repos/o/r/pulls") or
    /// relative to the repository ("/pulls").
    public func requests(matching pathPrefix: String) -> Int {
        let repoPrefix = "/repos/\(data.owner)/\(data.name)"
        return requestLog.filter { $0.path.hasPrefix(pathPrefix) || $0.path.hasPrefix(repoPrefix + pathPrefix) }.count
    }

    /// The distinct `Authorization` header values received, in order of first appearance.
    public var authorizationHeaders: [String] {
        var seen: [String] = []
        for value in requestLog.compactMap(\.authorization) where !seen.contains(value) { seen.append(value) }
        return seen
    }

    /// API requests that carried no `Authorization` header.
    public var unauthenticatedRequestCount: Int { requestLog.filter { $0.authorization == nil }.count }
}
