import FakeDatadog
import FakeGitHub
import Foundation
import Pipeline
import Storage
import Testing

/// The GitHub collector and `pipeline replay` delivering to the fake Datadog intake, through
/// outages and a kill -9 in the middle of a send.
@Suite("Datadog delivery, end to end")
struct DatadogDeliveryTests {
    /// A scenario around the wall clock: Datadog takes points up to an hour old.
    struct Bed {
        let now: Date
        let github: FakeGitHub
        let datadog: FakeDatadog
        let state: String

        init() throws {
            now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 60)
            github = try FakeGitHub(data: FakeGitHubData.edgeCases(now: now))
            datadog = try FakeDatadog()
            state = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-state-\(UUID().uuidString)").path
        }

        var environment: [String: String] {
            [
                "GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_API_URL": github.baseURL, "DD_URL": datadog.baseURL,
                "DD_API_KEY": FakeDatadog.defaultAPIKey, "PIPELINE_STATE_DIR": state, "DD_RETRY_FOR": "2s",
            ]
        }

        func run(at time: Date) throws -> CLIRunner.Running {
            try CLIRunner.start(
                ["run", "github", "--as-of", Timestamp.format(time.timeIntervalSince1970)], environment: environment)
        }

        /// The GitHub metrics and health metrics of one run: what the intake must hold for it.
        func expectedKeys(at time: Date) -> Set<String> {
            let metrics = FakeGitHubData.edgeCases(now: now).expectedMetrics(now: time).keys
            let health = [
                "duration_seconds", "metric_count", "error_count", "api_requests", "api_cache_hits", "rate_limit_remaining",
                "points_stranded", "damaged_state_files",
            ].map { "collector.github.\($0)" }
            return Set((Array(metrics) + health).map { "\($0)@\(Int(time.timeIntervalSince1970))" })
        }

        var receivedKeys: Set<String> { Set(datadog.series.keys.map { "\($0.metric)@\($0.timestamp)" }) }

        func stop() {
            github.stop()
            datadog.stop()
            try? FileManager.default.removeItem(atPath: state)
        }
    }

    @Test("a run sends every metric to Datadog once, with its tags, and nothing stays queued")
    func deliversEveryPoint() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        let result = try await bed.run(at: bed.now).finish()
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(bed.receivedKeys == bed.expectedKeys(at: bed.now))
        #expect(bed.datadog.duplicates.isEmpty)
        let expected = FakeGitHubData.edgeCases(now: bed.now).expectedMetrics(now: bed.now)
        for (key, value) in bed.datadog.values where key.metric.hasPrefix("github.") {
            #expect(abs(value - (expected[key.metric] ?? .nan)) <= 1e-9 * max(1, abs(value)), "\(key.metric)")
            #expect(key.tags.contains("repo:octo-org/octo-repo") && key.tags.contains("service:github-collector"))
        }
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.contains(FakeDatadog.defaultAPIKey))
    }

    @Test("an intake outage fails the run with exit 3; the next run delivers the backlog first, every point once")
    func outageThenRecovery() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        let first = bed.now.addingTimeInterval(-900)
        bed.datadog.fail(status: 503, times: 10_000)
        let failed = try await bed.run(at: first).finish()
        #expect(failed.exitCode == 3, "\(failed.stderr)")
        #expect(failed.stderr.contains("outbox"))
        #expect(bed.receivedKeys.isEmpty)

        bed.datadog.clearFaults()
        let recovery = try await bed.run(at: bed.now).finish()
        #expect(recovery.exitCode == 0, "\(recovery.stderr)")
        #expect(bed.receivedKeys == bed.expectedKeys(at: first).union(bed.expectedKeys(at: bed.now)))
        #expect(bed.datadog.duplicates.isEmpty, "\(bed.datadog.duplicates)")
        // The backlog went first: the first accepted request carries the older run's points.
        let firstAccepted = bed.datadog.receivedPoints.first
        #expect(firstAccepted.map { $0.timestamp == Int64(first.timeIntervalSince1970) } == true)
    }

    @Test("killed with SIGKILL while Datadog holds its request, the rerun loses nothing and stores each point once")
    func killDuringSend() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        bed.datadog.delay = .seconds(30)
        // retry_for caps each attempt: long enough here that the request is still held when the kill lands.
        var environment = bed.environment
        environment["DD_RETRY_FOR"] = "60s"
        let running = try CLIRunner.start(
            ["run", "github", "--as-of", Timestamp.format(bed.now.timeIntervalSince1970)], environment: environment)
        // The intake records a request when it arrives, before answering: wait for that.
        let deadline = Date().addingTimeInterval(60)
        while bed.datadog.seriesRequestCount == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(bed.datadog.seriesRequestCount >= 1)
        running.kill(SIGKILL)
        let killed = try await running.finish()
        #expect(killed.exitCode == SIGKILL)
        let sentBeforeKill = bed.datadog.values

        bed.datadog.delay = .zero
        let rerun = try await bed.run(at: bed.now).finish()
        #expect(rerun.exitCode == 0, "\(rerun.stderr)")
        #expect(bed.receivedKeys == bed.expectedKeys(at: bed.now))
        // Re-sent points are identical, so Datadog (last write wins per timestamp) stores each once.
        for (key, value) in sentBeforeKill where !key.metric.hasPrefix("collector.") {
            #expect(bed.datadog.values[key] == value, "\(key)")
        }
    }

    @Test("replay sends 100,000 stored points, each once, every request under Datadog's limits")
    func replayHundredThousand() async throws {
        let datadog = try FakeDatadog()
        defer { datadog.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("metrics.sqlite").path
        let database = try MetricsDatabase(path: path)
        let start = Int(Date().timeIntervalSince1970) - 30 * 86_400
        var points: [MetricPoint] = []
        for i in 0..<100_000 {
            points.append(
                MetricPoint(
                    metric: "replay.metric_\(i % 50)", value: Double(i), timestamp: start + i / 50 * 60,
                    tags: ["source:replay-test", "shard:\(i % 7)"]))
        }
        try database.write(points, runID: "seed", pipeline: "seed")

        let result = try await CLIRunner.run(
            ["replay", "--db", path, "--to", "datadog", "--historical", "--since", "40d"],
            environment: [
                "DD_URL": datadog.baseURL, "DD_API_KEY": FakeDatadog.defaultAPIKey,
                "PIPELINE_STATE_DIR": directory.appendingPathComponent("state").path,
            ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(datadog.series.keys.filter { $0.metric.hasPrefix("replay.metric_") }.count == 100_000)
        // The replay reports on itself like any run.
        #expect(datadog.series.keys.contains { $0.metric == "collector.replay.metric_count" })
        #expect(datadog.duplicates.isEmpty)
        #expect(datadog.maxWireBytes <= 512_000)
        #expect(datadog.maxDecompressedBytes <= 5_242_880)
        #expect(datadog.maxPointsPerRequest <= 10_000)
        #expect(datadog.requests.allSatisfy { $0.status == 202 })
    }
    @Test("a damaged state file holding queued points: the message says they were set aside with it, and where")
    func damagedStateFileWithQueuedPoints() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        let first = bed.now.addingTimeInterval(-900)
        bed.datadog.fail(status: 503, times: 10_000)
        let failed = try await bed.run(at: first).finish()
        #expect(failed.exitCode == 3, "\(failed.stderr)")
        bed.datadog.clearFaults()
        try Self.damage(bed.state + "/state.sqlite")

        let result = try await bed.run(at: bed.now).finish()
        #expect(result.stderr.contains("was damaged"), "\(result.stderr)")
        #expect(result.stderr.contains("points queued in it"), "\(result.stderr)")
        #expect(result.stderr.contains("pipeline outbox recover"), "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: bed.state)
        let setAside = try #require(
            files.first { $0.hasPrefix("state.sqlite.corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") })
        #expect(result.stderr.contains(setAside), "\(result.stderr)")
        // This run's own points went.
        #expect(bed.receivedKeys.isSuperset(of: bed.expectedKeys(at: bed.now)))
    }

    /// Overwrites a state file's pages after the first two: it opens, and its integrity check fails.
    static func damage(_ path: String) throws {
        func checkpoint() throws { try SQLiteDatabase(path: path).execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        try checkpoint()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 8_192)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: max(0, Int(size) - 8_192)))
    }

    @Test(
        "a state directory that cannot be used, with Datadog up: delivered, and the run says what failed (not 'could not deliver')"
    )
    func unusableStateDirectory() async throws {
        let bed = try Bed()
        defer { bed.stop() }
        var environment = bed.environment
        environment["PIPELINE_STATE_DIR"] = "/proc/no-such-dir-\(UUID().uuidString)"
        let result = try await CLIRunner.run(
            ["run", "github", "--as-of", Timestamp.format(bed.now.timeIntervalSince1970)], environment: environment)
        // Every point was delivered (without an outbox there is nothing to survey for stranded points).
        let surveyed = ["collector.github.points_stranded", "collector.github.damaged_state_files"]
        #expect(
            bed.receivedKeys == bed.expectedKeys(at: bed.now).filter { key in !surveyed.contains { key.hasPrefix($0 + "@") } })
        #expect(!result.stderr.contains("could not deliver"), "\(result.stderr)")
        #expect(result.stderr.contains("delivered"), "\(result.stderr)")
        #expect(result.stderr.contains("/proc/no-such-dir"), "\(result.stderr)")
        #expect(result.exitCode == 1, "the run finished but its state failed: \(result.stderr)")
    }

    /// Stores `count` points `age` seconds old in a new metrics database; returns its path and directory.
    static func storedPoints(_ count: Int, age: Int) throws -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("metrics.sqlite").path
        let timestamp = Int(Date().timeIntervalSince1970) - age
        let points = (0..<count).map { i in
            MetricPoint(metric: "replay.old", value: Double(i), timestamp: timestamp, tags: ["i:\(i)"])
        }
        try MetricsDatabase(path: path).write(points, runID: "seed", pipeline: "seed")
        return (path, directory)
    }

    @Test("replay says how many points Datadog took, not how many it read: all held back as too old")
    func replayReportsWhatWasSentWhenHeldBack() async throws {
        let datadog = try FakeDatadog()
        defer { datadog.stop() }
        let (path, directory) = try Self.storedPoints(40, age: 7_200)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CLIRunner.run(
            ["replay", "--db", path, "--to", "datadog", "--since", "1d"],
            environment: ["DD_URL": datadog.baseURL, "DD_API_KEY": FakeDatadog.defaultAPIKey])
        #expect(datadog.series.keys.filter { $0.metric == "replay.old" }.isEmpty)
        #expect(!result.stderr.contains("40 points to datadog"), "\(result.stderr)")
        #expect(result.stderr.contains("read 40 stored points"), "\(result.stderr)")
        #expect(result.stderr.contains("held back 40"), "\(result.stderr)")
        #expect(result.stderr.contains("--historical"), "\(result.stderr)")
    }

    @Test("replay says how many points Datadog took, not how many it read: the key is refused")
    func replayReportsWhatWasSentWhenRefused() async throws {
        let datadog = try FakeDatadog()
        defer { datadog.stop() }
        let (path, directory) = try Self.storedPoints(40, age: 600)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CLIRunner.run(
            ["replay", "--db", path, "--to", "datadog", "--since", "1d"],
            environment: ["DD_URL": datadog.baseURL, "DD_API_KEY": "not-the-key"])
        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(!result.stderr.contains("40 points to datadog"), "\(result.stderr)")
        #expect(result.stderr.contains("read 40 stored points; sent 0 points to Datadog"), "\(result.stderr)")
    }
}
