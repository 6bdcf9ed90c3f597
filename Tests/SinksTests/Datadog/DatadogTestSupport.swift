import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Storage
import Synchronization
import Testing

/// The wall clock of these tests: 2026-11-23T12:00:00Z. Points "now" carry this timestamp.
let ddNow = 1_795_435_200

/// A value shared between a test and the code it drives.
final class DDShared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
}

/// Records the HTTP client's sleeps and returns at once, so retry tests take no real time.
final class DDSleeps: Sendable {
    private let recorded = DDShared<[Duration]>([])
    var all: [Duration] { recorded.value }
    var total: Duration { all.reduce(.zero, +) }
    var function: @Sendable (Duration) async throws -> Void {
        { [recorded] duration in recorded.update { $0.append(duration) } }
    }
}

/// A directory of its own for one test's state database, removed at the end.
final class DDStateDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    var database: String { path + "/state.sqlite" }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// One test's world: a fake intake, a state database, a client whose sleeps are recorded.
final class DatadogTestbed {
    let fake: FakeDatadog
    let state: DDStateDirectory
    let sleeps = DDSleeps()
    let http: HTTPClient
    var pipeline = "github"
    var logLevel: Logger.Level = .error

    init(
        limits: FakeDatadog.Limits = .datadog, retry: RetryPolicy = RetryPolicy(),
        realSleep: Bool = false, requestTimeout: Duration = .seconds(10)
    ) throws {
        fake = try FakeDatadog(limits: limits)
        state = try DDStateDirectory()
        let realSleepFunction: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        http = HTTPClient(
            configuration: .init(
                userAgent: "pipeline-tests/1.0", connectTimeout: .seconds(2), requestTimeout: requestTimeout,
                retry: retry,
                sleep: realSleep ? realSleepFunction : sleeps.function,
                logger: Logger(
                    label: "http", level: ProcessInfo.processInfo.environment["DD_TEST_DEBUG"] == nil ? .error : .debug)
            ))
    }

    deinit { http.shutdown() }

    func configuration(
        apiKey: String? = FakeDatadog.defaultAPIKey, compression: DatadogCompression = .gzip,
        retryFor: Duration = .seconds(30), historical: Bool = false, limits: DatadogLimits = .datadog,
        requestTimeout: Duration? = nil, pageSize: Int = 10_000, wallClock: Int = ddNow
    ) -> DatadogSink.Configuration {
        DatadogSink.Configuration(
            endpoint: DatadogEndpoint(baseURL: fake.baseURL), apiKey: apiKey, statePath: state.database,
            compression: compression, retryFor: retryFor, historical: historical, limits: limits,
            requestTimeout: requestTimeout, pageSize: pageSize, wallClock: { Double(wallClock) })
    }

    func sink(_ configuration: DatadogSink.Configuration? = nil) -> DatadogSink {
        DatadogSink(configuration: configuration ?? self.configuration())
    }

    func context(logger: Logger? = nil) -> StageContext {
        StageContext(
            stage: "to_datadog",
            run: RunFacts(pipeline: pipeline, id: "test-run", now: Double(ddNow), startedAt: Double(ddNow), tags: []),
            logger: logger ?? Logger(label: "test", level: logLevel), services: StageServices(http: http))
    }

    /// Runs `sink` over `points`; returns the error it threw, if any.
    @discardableResult
    func run(_ sink: DatadogSink, _ points: [MetricPoint], context: StageContext? = nil) async -> DDSinkFailure? {
        do {
            try await sink.deliver(points, context: context ?? self.context())
            return nil
        } catch let error as SinkDeliveryError {
            return DDSinkFailure(message: error.message, delivered: false)
        } catch let error as SinkStateError {
            return DDSinkFailure(message: error.message, delivered: true)
        } catch {
            Issue.record("expected SinkDeliveryError or SinkStateError, got \(type(of: error)): \(error)")
            return DDSinkFailure(message: "\(error)", delivered: false)
        }
    }

    func outbox() throws -> Outbox { try Outbox(path: state.database) }

    /// Points queued for `destination` (the fake's by default), the sink's own
    /// `collector.<pipeline>.*` health points aside.
    func queued(destination: String? = nil) throws -> Int {
        try outbox().pending(pipeline: pipeline, destination: destination ?? "datadog:" + fake.baseURL, limit: 1_000_000)
            .filter { !$0.point.metric.hasPrefix("collector.") }.count
    }
}

/// What a sink run threw: `SinkDeliveryError` (exit 3), or `SinkStateError` when the points were
/// delivered but the sink's state failed (`delivered`; exit 1).
struct DDSinkFailure: Error {
    var message: String
    var delivered: Bool
}

/// `count` gauges of `metric` (`tags` plus `i:<n>`), one per series, at `timestamp`.
func ddGauges(
    _ count: Int, metric: String = "test.gauge", timestamp: Int = ddNow, tags: [String] = ["env:test"],
    value: (Int) -> Double = { Double($0) }
) -> [MetricPoint] {
    (0..<count).map { i in
        MetricPoint(metric: metric, value: value(i), timestamp: timestamp, tags: tags + ["i:\(i)"])
    }
}

extension FakeDatadog {
    /// Whether every point of `points` arrived exactly once, and nothing else arrived (the sink's
    /// own `collector.*` health points aside).
    func receivedExactlyOnce(_ points: [MetricPoint]) -> Bool {
        let expected = Set(
            points.map {
                PointKey(metric: $0.metric, tags: DatadogPayload.canonicalTags($0.tags), timestamp: Int64($0.timestamp))
            })
        let seen = series.filter { !$0.key.metric.hasPrefix("collector.") || expected.contains($0.key) }
        return seen.count == expected.count && expected.allSatisfy { seen[$0] == 1 }
    }
}

/// Captures what the process writes to stderr (file descriptor 2) while `body` runs.
///
/// Other tests running at the same time may write there too (Swift Testing's own issue reports
/// among them), so everything captured is written on to the real stderr afterwards; callers only
/// look for what their own run would write (or must never write).
func ddCapturingStandardError(_ body: () async throws -> Void) async rethrows -> String {
    // One capture at a time: two would steal each other's file descriptor.
    await ddCaptureLock.acquire()
    defer { Task { await ddCaptureLock.release() } }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
    let file = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
    let saved = dup(2)
    dup2(file, 2)
    func restore() -> String {
        dup2(saved, 2)
        close(saved)
        close(file)
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        unlink(path)
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
        return text
    }
    do {
        try await body()
    } catch {
        _ = restore()
        throw error
    }
    return restore()
}

private let ddCaptureLock = DDAsyncLock()

/// A lock tasks wait for without blocking a thread.
actor DDAsyncLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
