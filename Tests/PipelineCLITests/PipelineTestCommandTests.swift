import FakeAsana
import FakeDatadog
import FakeWandB
import Foundation
import Pipeline
import Testing

/// `pipeline run --record DIR` and `pipeline test`: the built binary records a run against a fake
/// (real HTTP on 127.0.0.1), then replays it with the fake stopped and compares the metrics with
/// the fake's own computation.
@Suite("pipeline test: recorded runs replayed and checked")
struct PipelineTestCommandTests {
    static let asOf = "2026-11-23T12:00:00Z"
    static let now = Timestamp.parse(asOf)!
    static let token = "asana-pat-Recorded0123456789abcdef"
    static let projects = ["1001", "1002", "1003"]
    static let pipelineTags = ["service:asana-collector", "source:asana-collector"]

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "pipeline-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Records `pipelines/asana.json` against the fake into `directory/recording` and returns the
    /// fake's expected metrics; the fake is stopped on return.
    static func recordAsana(in directory: String) async throws -> (baseURL: String, expected: [FakeAsanaPoint]) {
        let fake = try FakeAsana(data: FakeAsanaData.generated(seed: 13, now: now), token: token)
        defer { fake.stop() }
        let result = try await CLIRunner.run(
            ["run", "asana", "--dry-run", "--format", "json", "--as-of", asOf, "--record", directory + "/recording"],
            environment: [
                "ASANA_API_URL": fake.baseURL, "ASANA_TOKEN": token, "ASANA_PROJECTS": projects.joined(separator: ","),
            ])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(fake.requests.count == 8)
        return (fake.baseURL, fake.data.expectedMetrics(projects: projects))
    }

    /// A test file for the recording in `directory`, expecting `expected`.
    static func writeTest(
        in directory: String, baseURL: String, expected: [(metric: String, tags: [String], value: Double)],
        projects: [String] = Self.projects, name: String = "asana.test.json"
    ) throws -> String {
        let entries: [JSON] = expected.map { point in
            .object(
                JSONObject([
                    ("metric", .string(point.metric)), ("tags", .array((point.tags + pipelineTags).map(JSON.string))),
                    ("value", .number(point.value)), ("tolerance", .number(1e-9 * max(1, abs(point.value)))),
                ]))
        }
        let test = JSON.object(
            JSONObject([
                ("pipeline", .string(CLIRunner.packageRoot.path + "/pipelines/asana.json")),
                ("recording", .string("recording")), ("as_of", .string(asOf)),
                (
                    "env",
                    .object(
                        JSONObject([
                            ("ASANA_API_URL", .string(baseURL)), ("ASANA_TOKEN", .string("dummy")),
                            ("ASANA_PROJECTS", .string(projects.joined(separator: ","))),
                        ]))
                ),
                ("expect", .array(entries)),
            ]))
        let path = directory + "/" + name
        try test.jsonText.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func asTuples(_ points: [FakeAsanaPoint]) -> [(metric: String, tags: [String], value: Double)] {
        points.map { ($0.metric, $0.tags, $0.value) }
    }

    @Test("a run recorded against the fake replays with the fake stopped: the fake's metrics, exit 0")
    func recordedRunReplaysAndPasses() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (baseURL, expected) = try await Self.recordAsana(in: directory)
        #expect(expected.count == 30)
        let file = try Self.writeTest(in: directory, baseURL: baseURL, expected: Self.asTuples(expected))
        let result = try await CLIRunner.run(["test", file])
        #expect(result.exitCode == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("PASS \(file)"), "\(result.stdout)")
        #expect(result.stdout.contains("30 metrics expected"))
    }

    @Test("a recording made with a token holds none of it, nor any credential header")
    func recordingHoldsNoToken() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await Self.recordAsana(in: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/recording")
        #expect(files == ["exchanges.jsonl"])
        let text = try String(contentsOfFile: directory + "/recording/exchanges.jsonl", encoding: .utf8)
        #expect(text.split(separator: "\n").count == 8)
        for secret in [Self.token, "Bearer", "authorization"] {
            #expect(!text.lowercased().contains(secret.lowercased()), "\(secret) in the recording")
        }
    }

    @Test("run --record delivering to Datadog records the source's exchanges, not the sink's deliveries")
    func recordingHoldsNoDelivery() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Now, not a fixed day: Datadog takes points from the last hour or so only.
        let fake = try FakeAsana(data: FakeAsanaData.generated(seed: 13, now: Date().timeIntervalSince1970), token: Self.token)
        defer { fake.stop() }
        let datadog = try FakeDatadog()
        defer { datadog.stop() }
        let result = try await CLIRunner.run(
            ["run", "asana", "--record", directory + "/recording"],
            environment: [
                "ASANA_API_URL": fake.baseURL, "ASANA_TOKEN": Self.token,
                "ASANA_PROJECTS": Self.projects.joined(separator: ","), "DD_URL": datadog.baseURL,
                "DD_API_KEY": datadog.apiKey, "DD_APP_KEY": FakeDatadog.defaultApplicationKey,
            ])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(datadog.seriesRequestCount > 0)
        #expect(datadog.requests.contains { $0.path.hasPrefix("/api/v1/metrics/") }, "no metric metadata was set")
        let text = try String(contentsOfFile: directory + "/recording/exchanges.jsonl", encoding: .utf8)
        let urls = try text.split(separator: "\n").map { try #require(JSONParser.parse(String($0))["url"]?.string) }
        #expect(urls.count == 8)
        #expect(urls.allSatisfy { $0.hasPrefix(fake.baseURL) }, "\(urls)")
        #expect(!text.contains(datadog.apiKey) && !text.contains(FakeDatadog.defaultApplicationKey))
    }

    @Test("a W&B recording (HTTP Basic with the API key) holds neither the key nor its Basic encoding")
    func recordingHoldsNoBasicCredentials() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = "wandb-key-Recorded0123456789"
        let fake = try FakeWandB(data: FakeWandBData.scenario(now: Self.now, oldRuns: 5, recentRuns: 10), apiKey: key)
        let result = try await CLIRunner.run(
            ["run", "wandb", "--dry-run", "--format", "json", "--as-of", Self.asOf, "--record", directory],
            environment: ["WANDB_BASE_URL": fake.baseURL, "WANDB_API_KEY": key, "WANDB_PROJECTS": "ml-team/vision"])
        fake.stop()
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let text = try String(contentsOfFile: directory + "/exchanges.jsonl", encoding: .utf8)
        #expect(text.contains("/graphql"))
        let basic = Data("api:\(key)".utf8).base64EncodedString()
        for secret in [key, basic, "Basic ", "authorization"] {
            #expect(!text.lowercased().contains(secret.lowercased()), "\(secret) in the recording")
        }
    }

    @Test("a broken expectation fails with exit 1 and a diff: differs, missing and unexpected")
    func brokenExpectationFailsWithDiff() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (baseURL, expected) = try await Self.recordAsana(in: directory)
        var broken = Self.asTuples(expected).sorted {
            ($0.metric, $0.tags.sorted().joined()) < ($1.metric, $1.tags.sorted().joined())
        }
        let changed = broken[0]
        broken[0].value += 1
        let dropped = broken.removeLast()
        broken.append((metric: "asana.tasks.invented", tags: ["project:platform"], value: 7))
        let file = try Self.writeTest(in: directory, baseURL: baseURL, expected: broken)
        let result = try await CLIRunner.run(["test", file])
        #expect(result.exitCode == 1, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("FAIL \(file)"), "\(result.stdout)")
        let tags = (changed.tags + Self.pipelineTags).sorted().joined(separator: ",")
        #expect(
            result.stdout.contains(
                "differs:    \(changed.metric){\(tags)} expected \(JSON.formatNumber(changed.value + 1)), "
                    + "got \(JSON.formatNumber(changed.value))"), "\(result.stdout)")
        #expect(
            result.stdout.contains("missing:    asana.tasks.invented{project:platform,service:asana-collector,"),
            "\(result.stdout)")
        #expect(result.stdout.contains("unexpected: \(dropped.metric){"), "\(result.stdout)")
        #expect(!result.stdout.contains("unexpected: collector."), "health metrics are not unexpected")
        #expect(result.stdout.split(separator: "\n").count == 4, "\(result.stdout)")
    }

    @Test("a pipeline asking for a request the recording lacks fails, naming it and the closest recorded ones")
    func missingRequestFailsClearly() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (baseURL, expected) = try await Self.recordAsana(in: directory)
        let file = try Self.writeTest(
            in: directory, baseURL: baseURL, expected: Self.asTuples(expected), projects: Self.projects + ["1004"])
        let result = try await CLIRunner.run(["test", file])
        #expect(result.exitCode == 1, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("FAIL \(file)"), "\(result.stdout)")
        #expect(result.stdout.contains("GET \(baseURL)/projects/1004"), "\(result.stdout)")
        #expect(result.stdout.contains("not in the recording \(directory)/recording"), "\(result.stdout)")
        #expect(result.stdout.contains("the closest recorded: GET \(baseURL)/projects/100"), "\(result.stdout)")
    }

    @Test("pipeline test with no argument runs every shipped test in pipelines/tests, and they pass")
    func shippedTestsPass() async throws {
        let shipped = try FileManager.default.contentsOfDirectory(
            atPath: CLIRunner.packageRoot.path + "/pipelines/tests"
        ).filter { $0.hasSuffix(".test.json") }.sorted()
        #expect(shipped.count >= 5, "one per collector: \(shipped)")
        let result = try await CLIRunner.run(["test"])
        #expect(result.exitCode == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        for name in shipped { #expect(result.stdout.contains("PASS pipelines/tests/\(name)"), "\(result.stdout)") }
        #expect(result.stdout.contains("\(shipped.count) of \(shipped.count) tests passed"))
        for name in ["github", "asana", "wandb", "skypilot", "ec2"] {
            let text = try String(
                contentsOfFile: CLIRunner.packageRoot.path + "/pipelines/tests/recordings/\(name)/exchanges.jsonl",
                encoding: .utf8)
            #expect(!text.lowercased().contains("authorization") && !text.contains("Bearer") && !text.contains("AKIA"), "\(name)")
        }
    }

    @Test("pipeline test names a test file that does not exist (exit 2) and an invalid one (exit 1)")
    func badTestFiles() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = try await CLIRunner.run(["test", directory + "/nope.test.json"])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("no test file"))
        let invalid = directory + "/bad.test.json"
        try #"{"pipeline": "asana", "recording": "r", "as_of": "yesterday", "expect": []}"#.write(
            toFile: invalid, atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["test", invalid])
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("FAIL \(invalid): \(invalid): \"as_of\" must be an ISO 8601 time"), "\(result.stdout)")
    }
}
