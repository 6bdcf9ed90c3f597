import Foundation
import Pipeline

/// Runs the built `pipeline` binary, as a user would, and captures what it printed.
struct CLIRunner {
    struct Result {
        var stdout: String
        var stderr: String
        var exitCode: Int32

        /// stdout parsed as JSON Lines points.
        func points() throws -> [JSON] {
            try stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        }

        /// The value of each metric (the last one when a metric appears more than once).
        func values() throws -> [String: Double] {
            var values: [String: Double] = [:]
            for point in try points() {
                if let metric = point["metric"]?.string, let value = point["value"]?.number { values[metric] = value }
            }
            return values
        }
    }

    /// The package root, where `pipelines/` lives.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `pipeline` next to the test bundle (SwiftPM puts products in one directory), or `$PIPELINE_BIN`.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PIPELINE_BIN"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("pipeline").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            if directory.lastPathComponent.hasSuffix(".xctest") || directory.lastPathComponent == "Contents" {
                directory = directory.deletingLastPathComponent()
                continue
            }
            break
        }
        return packageRoot.appendingPathComponent(".build/debug/pipeline").path
    }

    /// Runs `pipeline ARGS` in the package root with exactly `environment` (plus PATH).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await start(arguments, environment: environment).finish()
    }

    /// A `pipeline` process that has started: `finish()` waits for it, `kill(_:)` signals it.
    struct Running {
        let process: Process
        let exited: AsyncStream<Void>
        let directory: URL

        func kill(_ signal: Int32) { Foundation.kill(process.processIdentifier, signal) }

        /// Waits without holding a thread: Swift Testing runs tests on a pool of as many threads
        /// as cores, and a blocking wait would starve every other test meanwhile.
        func finish() async throws -> Result {
            for await _ in exited {}
            defer { try? FileManager.default.removeItem(at: directory) }
            return Result(
                stdout: try String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8),
                stderr: try String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8),
                exitCode: process.terminationStatus)
        }
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-cli-\(UUID().uuidString)")
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        // A run's own state file (response cache, outbox) unless the test shares one on purpose:
        // never the user's, and never one where another fake on a reused port left answers.
        if env["PIPELINE_STATE_DIR"] == nil { env["PIPELINE_STATE_DIR"] = directory.appendingPathComponent("state").path }
        process.environment = env
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("stdout")
        let err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Void> { continuation in
            process.terminationHandler = { _ in
                continuation.yield()
                continuation.finish()
            }
        }
        try process.run()
        return Running(process: process, exited: exited, directory: directory)
    }
}
