import Dispatch
import Foundation
import Pipeline
import Testing

/// `pipeline schema` checked by an independent validator: jsonschema (draft 2020-12, from
/// `.venv-test`) finds the schema valid, accepts every shipped pipeline file, and rejects broken
/// ones where the loader does; `pipeline validate` is asked too, so schema and loader agree.
@Suite("pipeline schema")
struct SchemaCommandTests {
    static let python = CLIRunner.packageRoot.appendingPathComponent(".venv-test/bin/python3")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("validate_with_schema.py")

    /// A small valid file; `perPage` is the JSON text of `github_pulls`' integer option `per_page`,
    /// `count` the JSON text of the `count` stage's other keys.
    static func pipeline(
        perPage: String = "50",
        count: String = #""metric": "github.prs.open", "unit": "item", "description": "pull requests open now""#,
        countType: String = "count",
        topLevel: String = #""tags": {"team": "platform"}"#
    ) -> String {
        """
        {
          "$schema": "./pipeline.schema.json",
          "name": "demo",
          \(topLevel),
          "stages": {
            "repo": {"type": "github_repository", "repository": "octo-org/octo-repo"},
            "prs": {"type": "github_pulls", "inputs": ["repo"], "state": "open", "per_page": \(perPage)},
            "n": {"type": "\(countType)", "inputs": ["prs"], \(count)},
            "out": {"type": "stdout", "inputs": ["n"], "format": "json"}
          }
        }
        """
    }

    /// Broken files, each with where jsonschema must put an error and a word of its message.
    static let broken: [(name: String, text: String, location: String, says: String)] = [
        ("unknown stage type", pipeline(countType: "cuont"), "stages/n/type", "cuont"),
        (
            "unknown option on a known type", pipeline(count: #""metric": "github.prs.open", "metrc": "x""#), "stages/n",
            "'metrc' was unexpected"
        ),
        ("a word for an integer option", pipeline(perPage: #""ten""#), "stages/prs/per_page", "'ten'"),
        ("a list for an integer option", pipeline(perPage: "[50]"), "stages/prs/per_page", "[50]"),
        ("a missing required option", pipeline(count: #""description": "no metric""#), "stages/n", "'metric' is a required"),
        ("a misspelt top-level key", pipeline(topLevel: #""tagz": {"team": "platform"}"#), "", "'tagz' was unexpected"),
    ]

    /// Files the loader accepts that a strict reading of types would not: numbers as strings, variables.
    static let accepted: [(name: String, text: String)] = [
        ("a number", pipeline(perPage: "50")),
        ("a number written as a string", pipeline(perPage: #""50""#)),
        ("a variable with a default", pipeline(perPage: #""${PER_PAGE:-100}""#)),
    ]

    static func file(_ text: String, in directory: URL, name: String) throws -> String {
        let path = directory.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-") + ".json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// jsonschema's errors per file, after it checked the schema itself (a failure throws).
    static func validate(schema: String, files: [String]) async throws -> [String: [String]] {
        let (status, stdout, stderr) = try await run(python.path, [script.path, schema] + files)
        guard status == 0 else { throw Failure(description: "validate_with_schema.py exited \(status): \(stderr)") }
        var errors: [String: [String]] = [:]
        for line in stdout.split(separator: "\n") {
            let result = try JSONParser.parse(String(line))
            errors[result["file"]?.string ?? ""] = result["errors"]?.array?.compactMap(\.string)
        }
        return errors
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs a program to its end on a Dispatch thread (not Swift's cooperative pool).
    static func run(_ program: String, _ arguments: [String]) async throws -> (Int32, String, String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: program)
                    process.arguments = arguments
                    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
                    guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
                        throw Failure(description: "cannot create \(errorFile.path)")
                    }
                    defer { try? FileManager.default.removeItem(at: errorFile) }
                    let stdout = Pipe()
                    process.standardOutput = stdout
                    process.standardError = try FileHandle(forWritingTo: errorFile)
                    try process.run()
                    let output = stdout.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
                    continuation.resume(returning: (process.terminationStatus, String(decoding: output, as: UTF8.self), errors))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// `pipeline schema` written to a file in a fresh directory, which is returned.
    static func schemaFile() async throws -> (directory: URL, schema: String) {
        let result = try await CLIRunner.run(["schema"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let schema = directory.appendingPathComponent("pipeline.schema.json").path
        try result.stdout.write(toFile: schema, atomically: true, encoding: .utf8)
        return (directory, schema)
    }

    @Test("schema prints a draft 2020-12 JSON Schema on stdout and exits 0")
    func printsSchema() async throws {
        let result = try await CLIRunner.run(["schema"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let schema = try JSONParser.parse(result.stdout)
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["properties"]?["stages"] != nil)
    }

    @Test("schema takes no arguments (exit 2) and is listed in the usage text")
    func usage() async throws {
        let extra = try await CLIRunner.run(["schema", "github"])
        #expect(extra.exitCode == 2)
        #expect(extra.stderr.contains("schema takes no arguments"))
        let help = try await CLIRunner.run(["--help"])
        #expect(help.stdout.contains("schema") && help.stdout.contains("JSON Schema of pipeline files"))
    }

    @Test("jsonschema finds the schema valid and every shipped pipeline file valid under it")
    func shippedPipelinesAreValid() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.python.path), "run scripts/setup-test-peers.sh (jsonschema)")
        let (directory, schema) = try await Self.schemaFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipelines = CLIRunner.packageRoot.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: pipelines.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { pipelines.appendingPathComponent($0).path }
        #expect(files.count >= 6)
        let errors = try await Self.validate(schema: schema, files: files)
        for file in files {
            #expect(errors[file] == [], "\(file)")
        }
    }

    @Test("jsonschema accepts numbers as strings and variables where the loader does")
    func acceptsWhatTheLoaderAccepts() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.python.path), "run scripts/setup-test-peers.sh (jsonschema)")
        let (directory, schema) = try await Self.schemaFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.accepted.map { try Self.file($0.text, in: directory, name: $0.name) }
        let errors = try await Self.validate(schema: schema, files: files)
        for (file, variant) in zip(files, Self.accepted) {
            #expect(errors[file] == [], "\(variant.name)")
            let loader = try await CLIRunner.run(["validate", file])
            #expect(loader.exitCode == 0, "\(variant.name): \(loader.stderr)")
        }
    }

    @Test("jsonschema rejects broken files where the loader does, naming the key")
    func rejectsBrokenFiles() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.python.path), "run scripts/setup-test-peers.sh (jsonschema)")
        let (directory, schema) = try await Self.schemaFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.broken.map { try Self.file($0.text, in: directory, name: $0.name) }
        let errors = try await Self.validate(schema: schema, files: files)
        for (file, broken) in zip(files, Self.broken) {
            let found = errors[file] ?? []
            #expect(
                found.contains { $0.hasPrefix("\(broken.location): ") && $0.contains(broken.says) },
                "\(broken.name): \(found)")
            let loader = try await CLIRunner.run(["validate", file])
            #expect(loader.exitCode == 2, "\(broken.name): the loader accepts it")
        }
    }
}
