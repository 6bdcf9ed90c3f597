import Foundation
import Pipeline
import Storage
import Testing

/// `pipeline outbox`: what the Datadog sink's warnings tell people to run, run as they would.
@Suite("pipeline outbox")
struct OutboxCommandTests {
    /// A state file with points for two destinations (some old), and a refused point.
    static func seeded() throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("state.sqlite").path
        let outbox = try Outbox(path: path)
        let now = Int(Date().timeIntervalSince1970)
        func points(_ count: Int, _ metric: String, at timestamp: Int) -> [MetricPoint] {
            (0..<count).map { MetricPoint(metric: metric, value: Double($0), timestamp: timestamp, tags: ["i:\($0)"]) }
        }
        try outbox.enqueue(points(4, "test.fresh", at: now), pipeline: "github", destination: "datadog:https://api.datadoghq.com")
        try outbox.enqueue(
            points(3, "test.old", at: now - 7_200), pipeline: "github", destination: "datadog:https://api.datadoghq.com")
        try outbox.enqueue(points(5, "test.eu", at: now), pipeline: "github", destination: "datadog:https://api.datadoghq.eu")
        let refused = try outbox.pending(pipeline: "github", destination: "datadog:https://api.datadoghq.eu", limit: 1)
        try outbox.setAside([(refused[0].id, "400 Bad Request: value out of range")])
        return (directory, path)
    }

    @Test("list shows what waits by destination, the refused points with Datadog's reason, and damaged files")
    func list() async throws {
        let (directory, path) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(repeating: 0x42, count: 4_096).write(to: URL(fileURLWithPath: path + ".corrupt-20261123T050000Z"))
        let result = try await CLIRunner.run(["outbox", "--state", path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("github  datadog:https://api.datadoghq.com  7 points"), "\(result.stdout)")
        #expect(result.stdout.contains("(3 older than an hour)"), "\(result.stdout)")
        #expect(result.stdout.contains("github  datadog:https://api.datadoghq.eu  4 points"), "\(result.stdout)")
        #expect(result.stdout.contains("refused by Datadog (1 points, set aside):"), "\(result.stdout)")
        #expect(result.stdout.contains("test.eu{i:0} at "), "\(result.stdout)")
        #expect(result.stdout.contains("400 Bad Request: value out of range"), "\(result.stdout)")
        #expect(
            result.stdout.contains("state.sqlite.corrupt-20261123T050000Z: queued points cannot be counted"), "\(result.stdout)")
    }

    @Test("move, drop and requeue do what the warnings say, and report how many points")
    func actions() async throws {
        let (directory, path) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: directory) }
        let us = "datadog:https://api.datadoghq.com"
        let eu = "datadog:https://api.datadoghq.eu"

        let moved = try await CLIRunner.run(["outbox", "move", "--state", path, "--pipeline", "github", "--from", eu, "--to", us])
        #expect(moved.exitCode == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("moved 4 points from \(eu) to \(us)"), "\(moved.stdout)")
        #expect(try Outbox(path: path).count(pipeline: "github", destination: us) == 11)

        let old = try await CLIRunner.run(["outbox", "drop", "--too-old", "--state", path])
        #expect(old.stdout.contains("dropped 3 points older than an hour"), "\(old.stdout)")

        let requeued = try await CLIRunner.run(["outbox", "requeue", "--refused", "--state", path])
        #expect(requeued.stdout.contains("queued 1 refused points again"), "\(requeued.stdout)")
        #expect(try Outbox(path: path).count(pipeline: "github", destination: eu) == 1)

        let dropped = try await CLIRunner.run(["outbox", "drop", "--destination", us, "--state", path])
        #expect(dropped.stdout.contains("dropped 8 points queued for \(us)"), "\(dropped.stdout)")
        #expect(try Outbox(path: path).refusedCount() == 0)

        let usage = try await CLIRunner.run(["outbox", "drop", "--state", path])
        #expect(usage.exitCode == 2)
        #expect(usage.stderr.contains("drop needs one of --destination DESTINATION, --refused, --too-old"), "\(usage.stderr)")
    }

    @Test("recover queues a set-aside state file's points again and deletes it")
    func recover() async throws {
        let (directory, path) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: directory) }
        let setAside = try Outbox.setAside(path: path)
        let result = try await CLIRunner.run(["outbox", "recover", setAside, "--state", path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("queued 11 points of \(setAside) again and deleted it"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: setAside))
        #expect(try Outbox(path: path).destinations().map(\.count).reduce(0, +) == 11)
    }
}
