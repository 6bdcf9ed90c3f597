import Foundation
import LoopbackHTTP
import Pipeline
import Synchronization
import Testing

/// The worked example of `docs/ADDING_NEW_COLLECTOR.md` (a Jira collector written as a pipeline
/// file only) is a collector that works: it validates, and run against a loopback Jira it reports
/// the metrics its data gives.
@Suite("docs: the worked example collector")
struct WorkedExampleTests {
    static let asOf = "2026-11-23T12:00:00Z"

    /// The first JSON block after the "Worked example" heading, written to a file.
    static func exampleFile(in directory: String) throws -> String {
        let doc = try String(
            contentsOf: CLIRunner.packageRoot.appendingPathComponent("docs/ADDING_NEW_COLLECTOR.md"), encoding: .utf8)
        let section = try #require(doc.range(of: "### Worked example"))
        let open = try #require(doc.range(of: "```json\n", range: section.upperBound..<doc.endIndex))
        let close = try #require(doc.range(of: "```", range: open.upperBound..<doc.endIndex))
        let path = directory + "/jira.json"
        try String(doc[open.upperBound..<close.lowerBound]).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Jira issues of project WEB (OPS has none), listed two a page with `nextPageToken`.
    static let issues: [(created: String, resolved: String?)] = [
        ("2026-11-20T10:00:00.000+0000", nil),  // open, created in the window
        ("2026-11-01T00:00:00.000+0000", "2026-11-22T00:00:00.000+0000"),  // resolved in the window: 504 h
        ("2026-11-21T12:00:00.000+0000", "2026-11-22T12:00:00.000+0000"),  // created and resolved in it: 24 h
        ("2026-10-01T00:00:00.000+0000", "2026-11-10T00:00:00.000+0000"),  // resolved before the window
        ("2026-11-10T00:00:00.000+0000", nil),  // open, created before the window
    ]

    static func jira(_ request: HTTPRequestHead) -> LoopbackResponse {
        let credentials = "Basic " + Data("me@example.com:jira-token".utf8).base64EncodedString()
        guard request.headers["authorization"] == credentials else {
            return .json("{\"errorMessages\":[\"Unauthorized\"]}", status: 401)
        }
        guard request.path == "/rest/api/3/search/jql", let jql = request.query["jql"] else { return .json("{}", status: 404) }
        let all = jql.contains("project = \"WEB\"") ? issues : []
        let start = Int(request.query["nextPageToken"]?.dropFirst() ?? "0") ?? 0
        let page = all.dropFirst(start).prefix(2).enumerated().map { offset, issue in
            let resolved = issue.resolved.map { "\"\($0)\"" } ?? "null"
            return
                "{\"key\":\"WEB-\(start + offset + 1)\",\"fields\":{\"created\":\"\(issue.created)\",\"resolutiondate\":\(resolved)}}"
        }
        let next = start + 2 < all.count ? ",\"nextPageToken\":\"t\(start + 2)\"" : ""
        return .json("{\"issues\":[\(page.joined(separator: ","))]\(next),\"isLast\":\(next.isEmpty)}")
    }

    @Test("the example validates, and a dry run against a loopback Jira reports each project's metrics")
    func exampleRuns() async throws {
        let directory = NSTemporaryDirectory() + "worked-example-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.exampleFile(in: directory)
        let requests = LockedCount()
        let server = try LoopbackServer { request in
            requests.add()
            return Self.jira(request)
        }
        defer { server.stop() }
        let environment = [
            "JIRA_PROJECTS": "WEB, OPS", "JIRA_URL": server.baseURL, "JIRA_EMAIL": "me@example.com",
            "JIRA_API_TOKEN": "jira-token",
        ]
        let validated = try await CLIRunner.run(["validate", file], environment: environment)
        #expect(validated.exitCode == 0, "\(validated.stderr)")

        let result = try await CLIRunner.run(
            ["run", file, "--dry-run", "--format", "json", "--as-of", Self.asOf], environment: environment)
        #expect(result.exitCode == 0, "\(result.stderr)")
        var values: [String: Double] = [:]
        for point in try result.points() {
            guard let metric = point["metric"]?.string, metric.hasPrefix("jira."), let value = point["value"]?.number else {
                continue
            }
            let project = point["tags"]?.array?.compactMap(\.string).first { $0.hasPrefix("project:") } ?? "-"
            values["\(metric) \(project)"] = value
        }
        #expect(
            values == [
                "jira.issues.open project:web": 2, "jira.issues.created_7d project:web": 2,
                "jira.issues.resolved_7d project:web": 2,
                // Linear percentiles of [24, 504] hours.
                "jira.issues.resolution_hours.p50 project:web": 264, "jira.issues.resolution_hours.p95 project:web": 480,
                "jira.issues.open project:ops": 0, "jira.issues.created_7d project:ops": 0,
                "jira.issues.resolved_7d project:ops": 0,
            ])
        #expect(requests.value == 4, "three pages for WEB, one for OPS")
        #expect(!result.stderr.contains("jira-token") && !result.stdout.contains("jira-token"))
    }
}

/// A request counter the loopback handler can bump from its threads.
final class LockedCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
