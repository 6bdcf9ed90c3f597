import Catalog
import Foundation
import HTTP
import Pipeline
import Synchronization

/// `pipeline test`: runs pipelines against recordings of their HTTP exchanges and checks the metrics.
enum TestCommand {
    static let help = """
        Run pipelines against recorded HTTP exchanges and check their metrics, without credentials or network.

        usage: pipeline test [TESTFILE…]

        TESTFILE   a test file (JSON); none runs every pipelines/tests/*.test.json ($PIPELINES_DIR/tests)

        A test file names a pipeline, a recording made with `pipeline run NAME --record DIR`, the time to
        evaluate at, the environment of the run, and the metrics expected:

          {"pipeline": "github", "recording": "recordings/github", "as_of": "2026-11-23T12:00:00Z",
           "env": {"GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_API_URL": "http://127.0.0.1:8080"},
           "expect": [{"metric": "github.prs.open", "tags": ["repo:octo-org/octo-repo"], "value": 3},
                      {"metric": "github.prs.age_hours.p50", "tags": […], "value": 2.5, "tolerance": 1e-9}]}

        Paths are relative to the test file; a bare pipeline name is NAME.json in the directory above it.
        "env" is the run's whole environment (credentials may be dummies: nothing checks them). The run
        is cold (no response cache), its sinks replaced by the comparison, and every request answered
        from the recording: one it lacks fails the run, naming the request and the closest recorded
        ones. A metric matches when its name and its whole set of tags do, and its value is within
        "tolerance" (default 0: exact). Every metric the run emits must be expected, its health metrics
        (collector.…) excepted, unless the test says "exhaustive": false.

        Prints one line per test, PASS or FAIL, and under a failure what differs (metric, tags, expected,
        got; missing; unexpected; the run's stage errors).

        exit codes:
          0  every test passed
          1  a test failed, or a test file is invalid
          2  usage error (no such test file, no tests found)
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "test", valued: [], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        var files = args.positionals
        if files.isEmpty {
            files = shippedTests()
            guard !files.isEmpty else {
                throw .usage("no tests found: no \(testsDirectory)/*.test.json; name test files", command: "test")
            }
        }
        for file in files where !FileManager.default.fileExists(atPath: file) {
            throw .usage("no test file \"\(file)\"", command: "test")
        }
        var failed = 0
        for file in files {
            let outcome = await run(file)
            print(outcome.text)
            if !outcome.passed { failed += 1 }
        }
        if files.count > 1 {
            print("\(files.count - failed) of \(files.count) tests passed")
        }
        return failed == 0 ? ExitCode.success : ExitCode.stageFailed
    }

    static var testsDirectory: String { "\(PipelineFiles.directory)/tests" }

    /// `pipelines/tests/*.test.json`, sorted.
    static func shippedTests() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: testsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".test.json") }.sorted().map { "\(testsDirectory)/\($0)" }
    }

    struct Outcome {
        var passed: Bool
        var text: String
    }

    /// Runs one test: its line, and under a failure what differs.
    static func run(_ file: String) async -> Outcome {
        let test: PipelineTestFile
        do {
            test = try PipelineTestFile.read(file)
        } catch {
            return Outcome(passed: false, text: "FAIL \(file): \(error)")
        }
        let result: ReplayedRun
        do {
            result = try await replay(test)
        } catch {
            return Outcome(passed: false, text: "FAIL \(file) (\(test.pipeline)): \(error)")
        }
        let differences = compare(test, points: result.points)
        let problems = result.stageErrors + differences
        let head = "\(file) (\(test.pipeline), \(test.expectations.count) metrics expected)"
        guard problems.isEmpty else {
            return Outcome(passed: false, text: (["FAIL \(head)"] + problems.map { "  " + $0 }).joined(separator: "\n"))
        }
        return Outcome(passed: true, text: "PASS \(head)")
    }

    struct ReplayedRun {
        var points: [MetricPoint]
        /// One line per stage that failed, and how the run ended if not well.
        var stageErrors: [String]
    }

    /// The test's pipeline, run at its `as_of` in its environment with every request answered
    /// from its recording, its sinks replaced by a collector of points.
    static func replay(_ test: PipelineTestFile) async throws -> ReplayedRun {
        let transport: ReplayTransport
        do {
            transport = try ReplayTransport(directory: test.recording)
        } catch {
            throw PipelineTestError("the recording: \(error)")
        }
        let collected = CollectedPoints()
        let capture = StageKind.sink(
            "test_capture", summary: "collects points for pipeline test", options: NoOptions.self, example: .object(JSONObject()),
            optionDocs: [:]
        ) { _ in CollectingSink(points: collected) }
        let registry = StageRegistry(Array(StageCatalog.registry.kinds.values) + [capture])
        var loader = PipelineLoader(
            registry: registry, variables: Variables(environment: test.environment),
            sinkOverride: ("test_capture", .object(JSONObject())))
        loader.environment = test.environment
        let references = PipelineFiles.secretReferences(in: test.pipeline)
        if !references.isEmpty {
            loader.variables.secrets = await SecretValues.fetch(
                references, from: EnvironmentSecrets(environment: test.environment))
        }
        let plan: PipelinePlan
        do {
            plan = try loader.load(file: test.pipeline)
        } catch {
            throw PipelineTestError(CLIError.pipelineFile(error).description)
        }
        var logger = Logger.fromEnvironment()
        if ProcessInfo.processInfo.environment["PIPELINE_LOG_LEVEL"] == nil { logger.level = .error }
        let started = Date()
        let deadline = Deadline(Deadline.standardBudget, setting: .standard, from: started)
        // Waits (retries of recorded 5xx answers, Retry-After, pacing) are not waited: the answers are known.
        var configuration = HTTPClient.Configuration(
            userAgent: "pipeline/\(Version.current) (+libcurl)", deadline: deadline, exchangeHook: transport)
        configuration.sleep = { _ in try Task.checkCancellation() }
        configuration.logger.level = logger.level
        let http = HTTPClient(configuration: configuration)
        defer { http.shutdown() }
        var executor = Executor(plan: plan, now: test.asOf, logger: logger, services: [http])
        executor.environment = test.environment
        executor.deadline = deadline
        let report = await executor.run()
        var errors: [String] = []
        for (stage, outcome) in report.outcomes.sorted(by: { $0.key < $1.key }) {
            switch outcome {
            case .failed(let message), .finishedWithError(let message):
                errors.append("stage \(stage) failed: \(SecretRedaction.shared.redact(message))")
            case .finished, .skipped, .cancelled: break
            }
        }
        if report.deadlineReached { errors.append("the run reached its deadline") }
        if report.stalled { errors.append("the run was stopped by the watchdog") }
        return ReplayedRun(points: collected.all, stageErrors: errors)
    }

    /// What differs between the points and the test's expectations, one line each: values that
    /// differ, expected series missing, and (exhaustive) series nobody expected.
    static func compare(_ test: PipelineTestFile, points: [MetricPoint]) -> [String] {
        var got: [String: [Double]] = [:]
        for point in points { got[SeriesKey.of(metric: point.metric, tags: point.tags), default: []].append(point.value) }
        var lines: [String] = []
        var expectedKeys = Set<String>()
        for expectation in test.expectations {
            let key = expectation.key
            expectedKeys.insert(key)
            guard let values = got[key], let value = values.first else {
                lines.append("missing:    \(key) expected \(number(expectation.value))")
                continue
            }
            if values.count > 1 { lines.append("repeated:   \(key) emitted \(values.count) times: \(values.map(number))") }
            let within = abs(value - expectation.value) <= expectation.tolerance || value == expectation.value
            if !within {
                let tolerance = expectation.tolerance > 0 ? " (tolerance \(number(expectation.tolerance)))" : ""
                lines.append("differs:    \(key) expected \(number(expectation.value)), got \(number(value))\(tolerance)")
            }
        }
        if test.exhaustive {
            for (key, values) in got.sorted(by: { $0.key < $1.key })
            where !expectedKeys.contains(key) && !key.hasPrefix("collector.") {
                lines.append("unexpected: \(key) = \(values.map(number).joined(separator: ", "))")
            }
        }
        return lines
    }

    static func number(_ value: Double) -> String { JSON.formatNumber(value) }
}

/// The points a test's run delivered.
final class CollectedPoints: Sendable {
    private let points = Mutex<[MetricPoint]>([])
    func append(_ batch: [MetricPoint]) { points.withLock { $0 += batch } }
    var all: [MetricPoint] { points.withLock { $0 } }
}

/// The sink of a test's run: keeps every point for the comparison.
struct CollectingSink: Sink {
    let points: CollectedPoints
    func run(points stream: PointStream, context: StageContext) async throws {
        for try await batch in stream { points.append(batch) }
    }
}
