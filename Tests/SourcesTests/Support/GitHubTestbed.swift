import FakeGitHub
import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import Testing

@testable import Sources

/// The run's clock in these tests; the fake's scenarios are built around it.
enum TestClock {
    static let now: Double = Timestamp.parse("2026-11-23T05:00:00Z")!
    static let date = Date(timeIntervalSince1970: now)
    /// The start of a 7-day window before `now` (inclusive, like the stages' ranges).
    static let weekAgo = date.addingTimeInterval(-7 * 86_400)
    /// The start of the UTC day of `weekAgo`: where listings with a stable `since` begin.
    static let weekAgoDay = ((now - 7 * 86_400) / 86_400).rounded(.down) * 86_400
}

/// A quiet logger: retries and warnings would only clutter the test output.
let quietLogger = Logger(label: "sources-tests", level: .error)

/// A client that retries quickly (1 ms backoff ceiling), so fault tests take no real time.
func makeTestClient(maxConcurrentPerHost: Int = 8, maxAttempts: Int = 6) -> HTTPClient {
    HTTPClient(
        configuration: .init(
            maxConcurrentPerHost: maxConcurrentPerHost, userAgent: "sources-tests/1.0", connectTimeout: .seconds(2),
            requestTimeout: .seconds(20),
            retry: RetryPolicy(
                maxAttempts: maxAttempts, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5),
                maxRateLimitWait: .seconds(2)),
            logger: quietLogger))
}

/// A context for one stage run at the test clock. The run starts (wall clock) at `startedAt`,
/// by default the test clock itself: a scheduled run, not a backfill.
func makeContext(
    http: HTTPClient, stage: String = "under_test", fields: FieldSelection = .all, startedAt: Double = TestClock.now
) -> StageContext {
    var context = StageContext(
        stage: stage, run: RunFacts(pipeline: "github", id: "test-run", now: TestClock.now, startedAt: TestClock.now, tags: []),
        logger: quietLogger, services: StageServices(http: http))
    context.fields = fields
    context.run.startedAt = startedAt
    return context
}

/// The registered kind `type`, built from `options` (as a pipeline file would), as a source.
func makeSource(_ type: String, _ options: JSON, path: [String] = ["stages", "under_test"]) throws -> any Source {
    let kind = try #require(SourceStages.all.first { $0.type == type }, "no source kind \(type)")
    guard case .source(let source) = try kind.makeRuntime(options: options, path: path) else {
        Issue.record("\(type) did not build a source")
        throw CancellationError()
    }
    return source
}

/// Runs one source stage on one input and returns the records it emitted, in order.
func runSource(
    _ type: String, _ options: JSON, input: JSON?, http: HTTPClient, fields: FieldSelection = .all,
    startedAt: Double = TestClock.now
) async throws -> [JSON] {
    let source = try makeSource(type, options)
    let collector = ItemCollector()
    try await source.run(
        input: input, output: Output(collectingInto: collector),
        context: makeContext(http: http, fields: fields, startedAt: startedAt))
    return collector.records
}

/// The `OptionsDecoder.Failure` that building `type` from `options` throws, or nil (with an issue).
func optionsFailure(_ type: String, _ options: JSON, path: [String] = ["stages", "under_test"])
    -> OptionsDecoder.Failure?
{
    do {
        _ = try makeSource(type, options, path: path)
        Issue.record("\(type) accepted \(options)")
        return nil
    } catch let failure as OptionsDecoder.Failure {
        return failure
    } catch {
        Issue.record("\(type) threw \(error), not an OptionsDecoder.Failure")
        return nil
    }
}

/// The error `body` throws, or nil (with an issue) if it succeeds.
func thrownError(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        Issue.record("expected an error")
        return nil
    } catch {
        return error
    }
}

/// A fake GitHub plus the client the stages share, torn down together.
final class GitHubTestbed: Sendable {
    static let repository = "octo-org/octo-repo"

    let fake: FakeGitHub
    let http: HTTPClient
    /// What the stages send as their `token` option; nil sends `""` (no token, `$GITHUB_TOKEN` ignored).
    let token: String?

    init(
        data: FakeGitHubData = .edgeCases(now: TestClock.date), serverToken: String? = nil, token: String? = nil,
        faults: FaultPlan = .none, delay: Duration = .zero, maxConcurrentPerHost: Int = 8
    ) throws {
        fake = try FakeGitHub(data: data, token: serverToken, faults: faults, delay: delay)
        http = makeTestClient(maxConcurrentPerHost: maxConcurrentPerHost)
        self.token = token
    }

    /// Runs `body` with a testbed and tears it down afterwards, whatever happens.
    static func with<T>(
        data: FakeGitHubData = .edgeCases(now: TestClock.date), serverToken: String? = nil, token: String? = nil,
        faults: FaultPlan = .none, delay: Duration = .zero, maxConcurrentPerHost: Int = 8,
        _ body: (GitHubTestbed) async throws -> T
    ) async throws -> T {
        let bed = try GitHubTestbed(
            data: data, serverToken: serverToken, token: token, faults: faults, delay: delay,
            maxConcurrentPerHost: maxConcurrentPerHost)
        defer { bed.stop() }
        return try await body(bed)
    }

    func stop() {
        http.shutdown()
        fake.stop()
    }

    var data: FakeGitHubData { fake.data }

    /// The repository's API URL on the fake.
    var repositoryURL: String { "\(fake.baseURL)/repos/\(Self.repository)" }

    /// `options` with `token` set to the testbed's token unless it is there already.
    func withToken(_ options: JSON) -> JSON {
        guard case .object(var object) = options else { return options }
        if object["token"] == nil { object["token"] = .string(token ?? "") }
        return .object(object)
    }

    /// The `github_repository` record for octo-org/octo-repo on the fake.
    func repositoryRecord(fields: FieldSelection = .all) async throws -> JSON {
        let records = try await runSource(
            "github_repository", withToken(["repository": .string(Self.repository), "api_url": .string(fake.baseURL)]),
            input: nil, http: http, fields: fields)
        #expect(records.count == 1)
        return try #require(records.first)
    }

    /// Runs `type` with `options` on `input` (default: the repository record).
    /// `startedAt` is the run's wall clock: more than a day after the test clock makes it a backfill.
    func run(
        _ type: String, _ options: JSON = [:], input: JSON? = nil, fields: FieldSelection = .all,
        startedAt: Double = TestClock.now
    ) async throws -> [JSON] {
        let record: JSON
        if let input { record = input } else { record = try await repositoryRecord() }
        return try await runSource(
            type, withToken(options), input: record, http: http, fields: fields, startedAt: startedAt)
    }

    /// Decoded query parameters of the logged requests whose path starts with `pathPrefix`
    /// (relative to the repository, like `requests(matching:)`).
    func queries(matching pathPrefix: String) -> [[String: String]] {
        let repoPrefix = "/repos/\(Self.repository)"
        return fake.requestLog
            .filter { $0.path.hasPrefix(pathPrefix) || $0.path.hasPrefix(repoPrefix + pathPrefix) }
            .map { HTTPRequestHead(method: $0.method, target: $0.target).query }
    }
}

// MARK: Record helpers

extension JSON {
    /// An integer field (ids, numbers).
    func int(_ key: String) -> Int? { self[key]?.number.map { Int($0) } }
    func str(_ key: String) -> String? { self[key]?.string }
    /// The record's keys (a set: a field selection keeps the API's order, not its own).
    var keys: Set<String> { Set(object?.keys ?? []) }
}

extension Date {
    /// Whole seconds, as the stages' clock and GitHub's timestamps count.
    var seconds: Double { timeIntervalSince1970 }
}

/// Whether `date` lies in the 7-day window ending at the test clock (both ends inclusive).
func inLastWeek(_ date: Date) -> Bool { date >= TestClock.weekAgo && date <= TestClock.date }

/// Whether `error`'s message is a single line.
func isOneLine(_ error: any Error) -> Bool { !String(describing: error).contains("\n") }

/// A loopback server that serves JSON-ish answers from `handler`, for answers the fake never gives.
/// `handler` gets the request and the server's own base URL ("http://127.0.0.1:PORT").
func makeLoopback(_ handler: @escaping @Sendable (HTTPRequestHead, String) -> LoopbackResponse) throws
    -> LoopbackServer
{
    try LoopbackServer { request in
        let base = "http://" + (request.headers["host"] ?? "127.0.0.1")
        return handler(request, base)
    }
}
