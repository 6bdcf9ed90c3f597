import FakeGitHub
import Foundation
import Pipeline
import Storage
import Testing

/// `pipeline backfill` against the fake GitHub: each step's values are those of a run at that
/// time, and the API is read once for the whole range.
@Suite("pipeline backfill")
struct BackfillTests {
    @Test("three daily steps store each step's exact values, reading every listing once")
    func dailyStepsExact() async throws {
        let now = Date(timeIntervalSince1970: Timestamp.parse("2026-11-23T05:00:00Z")!)
        let data = FakeGitHubData.edgeCases(now: now)
        let fake = try FakeGitHub(data: data)
        defer { fake.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path

        let result = try await CLIRunner.run(
            [
                "backfill", "github", "--from", "2026-11-21T05:00:00Z", "--to", "2026-11-23T05:00:00Z", "--every", "1d", "--db",
                path,
            ],
            environment: ["GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_API_URL": fake.baseURL])
        #expect(result.exitCode == 0, "\(result.stderr)")

        var stored: [Int: [String: Double]] = [:]
        for try await batch in try MetricsDatabase(path: path, readOnly: true).points(filter: PointFilter(metric: "github.*")) {
            for point in batch { stored[point.timestamp, default: [:]][point.metric] = point.value }
        }
        #expect(stored.count == 3)
        for day in 0..<3 {
            let step = now.addingTimeInterval(-Double(day) * 86_400)
            let expected = data.expectedMetrics(now: step)
            let values = stored[Int(step.timeIntervalSince1970)] ?? [:]
            #expect(Set(values.keys) == Set(expected.keys), "step \(day)")
            for (metric, value) in expected {
                #expect(abs((values[metric] ?? .nan) - value) <= 1e-9 * max(1, abs(value)), "step \(day): \(metric)")
            }
        }
        // Listings were read once, not once per step: the branch count is one request.
        #expect(fake.requests(matching: "/repos/octo-org/octo-repo/branches") == 1)
        #expect(fake.requests(matching: "/repos/octo-org/octo-repo/pulls") <= 5)
    }
}
