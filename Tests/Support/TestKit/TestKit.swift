import Foundation
import HTTP
import Pipeline
import Synchronization

/// A value shared between a test and its server handler.
public final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public var value: Value { mutex.withLock { $0 } }
    @discardableResult
    public func update<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

extension Shared where Value == Int {
    /// Adds one and returns the new count (the first call returns 1).
    public func increment() -> Int {
        update {
            $0 += 1
            return $0
        }
    }
}

/// Records the client's sleeps and returns at once, so retry tests take no real time.
public final class SleepRecorder: Sendable {
    public init() {}
    private let sleeps = Shared<[Duration]>([])
    public var recorded: [Duration] { sleeps.value }
    public var function: @Sendable (Duration) async throws -> Void {
        { [sleeps] duration in sleeps.update { $0.append(duration) } }
    }
}

/// A fixed "now" for rate-limit tests: 2027-01-15T08:00:00Z.
public let fixedNow = Date(timeIntervalSince1970: 1_800_000_000)

/// A client whose sleeps are recorded rather than slept, and whose log is quiet.
public func makeClient(
    retry: RetryPolicy = .default, maxConcurrentPerHost: Int = 8, requestTimeout: Duration = .seconds(10),
    sleeper: SleepRecorder = SleepRecorder(), now: @escaping @Sendable () -> Date = { fixedNow },
    rateLimits: RateLimitRules = .standard
) -> HTTPClient {
    HTTPClient(
        configuration: .init(
            maxConcurrentPerHost: maxConcurrentPerHost, userAgent: "pipeline-tests/1.0",
            connectTimeout: .seconds(2), requestTimeout: requestTimeout, retry: retry,
            sleep: sleeper.function, now: now, logger: Logger(label: "http-test", level: .error), rateLimits: rateLimits))
}

extension RateLimitRules {
    /// GitHub's rules, as the GitHub stages state them: `x-ratelimit-*` with an epoch reset, the
    /// secondary limit's wording, the token in `Authorization`.
    public static let githubLike = RateLimitRules(
        limitHeader: "x-ratelimit-limit", remainingHeader: "x-ratelimit-remaining", resetHeader: "x-ratelimit-reset",
        resetFormat: .epochSeconds, secondaryLimitPhrases: ["secondary rate limit", "abuse detection"])
}

/// `{"hello":"gzip","padding":"abcabc…"}` (629 bytes) gzip-compressed to 56 bytes.
public let gzipFixture: [UInt8] = [
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 202, 72, 205, 201, 201, 87, 178, 82, 74, 175, 202, 44, 80, 210, 81,
    42, 72, 76, 73, 201, 204, 75, 7, 10, 36, 38, 37, 143, 162, 81, 68, 117, 164, 84, 11, 0, 112, 238, 30, 87, 117,
    2, 0, 0,
]

/// The `HTTPError` thrown by `body`, or nil (with a recorded issue) if it threw something else.
public func httpError(_ body: () async throws -> Void) async -> HTTPError? {
    do {
        try await body()
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        return nil
    }
}

/// A fresh directory under the system's temporary directory, removed with everything in it
/// when `body` returns or throws.
public func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "/pipeline-sqlite-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
