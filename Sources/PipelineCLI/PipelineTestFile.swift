import Foundation
import Pipeline

/// A pipeline test (`pipelines/tests/NAME.test.json`): a pipeline, a recording of its HTTP
/// exchanges, the time to evaluate it at, its environment and the metrics it must produce.
///
///     {"pipeline": "github", "recording": "recordings/github", "as_of": "2026-11-23T12:00:00Z",
///      "env": {"GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_TOKEN": "dummy"},
///      "expect": [{"metric": "github.prs.open", "tags": ["repo:octo-org/octo-repo"], "value": 3},
///                 {"metric": "github.prs.age_hours.p50", "tags": […], "value": 2.5, "tolerance": 1e-9}],
///      "exhaustive": true}
///
/// Paths are relative to the test file; a bare pipeline name is a file of the directory above
/// (`pipelines/NAME.json` for `pipelines/tests/`). `env` is the run's whole environment: nothing
/// of the caller's reaches it. With `exhaustive` (the default) a metric the run emits and `expect`
/// does not list is a failure, the run's health metrics (`collector.…`) excepted.
struct PipelineTestFile: Sendable {
    struct Expectation: Sendable {
        var metric: String
        var tags: [String]
        var value: Double
        var tolerance: Double

        var key: String { SeriesKey.of(metric: metric, tags: tags) }
    }

    var path: String
    var pipeline: String
    var recording: String
    var asOf: Double
    var environment: [String: String]
    var expectations: [Expectation]
    var exhaustive: Bool

    static let keys: Set<String> = ["description", "pipeline", "recording", "as_of", "env", "expect", "exhaustive"]
    static let expectationKeys: Set<String> = ["metric", "tags", "value", "tolerance"]

    /// Reads and checks the test file at `path`; the message says what is wrong where.
    static func read(_ path: String) throws(PipelineTestError) -> PipelineTestFile {
        func fault(_ message: String) -> PipelineTestError { PipelineTestError("\(path): \(message)") }
        guard let bytes = PipelineLoader.readFile(path) else { throw fault("cannot read the file") }
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw fault("\(error)")
        }
        guard let object = json.object else { throw fault("a test file is a JSON object") }
        if let unknown = object.keys.first(where: { !keys.contains($0) }) {
            throw fault("unknown key \"\(unknown)\" (known: \(keys.sorted().joined(separator: ", ")))")
        }
        guard let pipeline = object["pipeline"]?.string, !pipeline.isEmpty else {
            throw fault("\"pipeline\" must name the pipeline file (\"github\", or a path from the test file)")
        }
        guard let recording = object["recording"]?.string, !recording.isEmpty else {
            throw fault("\"recording\" must be the recording's directory, from the test file (pipeline run NAME --record DIR)")
        }
        guard let asOfText = object["as_of"]?.string, let asOf = Timestamp.parse(asOfText) else {
            throw fault("\"as_of\" must be an ISO 8601 time such as 2026-11-01T00:00:00Z")
        }
        var environment: [String: String] = [:]
        for (name, value) in object["env"]?.object ?? JSONObject() {
            guard let text = value.string else { throw fault("env.\(name) must be a string") }
            environment[name] = text
        }
        guard let list = object["expect"]?.array else { throw fault("\"expect\" must be a list of expected metrics") }
        var expectations: [Expectation] = []
        for (index, item) in list.enumerated() {
            let at = "expect[\(index)]"
            guard let entry = item.object else { throw fault("\(at) must be an object") }
            if let unknown = entry.keys.first(where: { !expectationKeys.contains($0) }) {
                throw fault("\(at): unknown key \"\(unknown)\" (known: metric, tags, value, tolerance)")
            }
            guard let metric = entry["metric"]?.string else { throw fault("\(at).metric must be a metric name") }
            guard let value = entry["value"]?.number else { throw fault("\(at).value must be a number") }
            let tags = entry["tags"]?.array ?? []
            guard tags.allSatisfy({ $0.string != nil }) else { throw fault("\(at).tags must be a list of strings") }
            let tolerance = entry["tolerance"]?.number ?? 0
            guard tolerance >= 0 else { throw fault("\(at).tolerance must be a number at least 0") }
            expectations.append(
                Expectation(metric: metric, tags: tags.compactMap(\.string), value: value, tolerance: tolerance))
        }
        let exhaustive = object["exhaustive"]?.bool ?? true
        let directory = (path as NSString).deletingLastPathComponent
        return PipelineTestFile(
            path: path, pipeline: resolvePipeline(pipeline, testDirectory: directory),
            recording: relative(recording, to: directory), asOf: asOf, environment: environment,
            expectations: expectations, exhaustive: exhaustive)
    }

    /// A bare name (`github`) is `../NAME.json` from the test's directory; anything else a path from it.
    static func resolvePipeline(_ name: String, testDirectory: String) -> String {
        if name.contains("/") || name.hasSuffix(".json") { return relative(name, to: testDirectory) }
        let parent = (testDirectory.isEmpty ? ".." : (testDirectory as NSString).deletingLastPathComponent)
        return relative("\(name).json", to: parent.isEmpty ? "." : parent)
    }

    static func relative(_ path: String, to directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }
}

/// `metric{tag,tag}` with the tags sorted: how a series is told apart.
enum SeriesKey {
    static func of(metric: String, tags: [String]) -> String { "\(metric){\(tags.sorted().joined(separator: ","))}" }
}

struct PipelineTestError: Error, CustomStringConvertible, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
