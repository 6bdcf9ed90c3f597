import FakeDatadog
import Foundation
import Pipeline
import Synchronization

/// Datadog's published API schema as a test oracle: `Tests/Support/FakeDatadog/check_bodies.py`
/// (the official client's v1 models, from `.venv-test`) run over a body. One checker process
/// serves a fake Datadog for its life (`--serve`, a line per body); `faults(_:in:)` checks
/// files directly.
final class DatadogBodyChecker: Sendable {
    static let python = CLIRunner.packageRoot.appendingPathComponent(".venv-test/bin/python3").path
    static let script = CLIRunner.packageRoot.appendingPathComponent("Tests/Support/FakeDatadog/check_bodies.py").path

    /// Whether the venv with datadog-api-client is there (scripts/setup-test-peers.sh).
    static var available: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// The faults of every body in `file` (an array is checked element by element) for `model`.
    static func faults(model: String, file: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, model, file]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if process.terminationStatus == 0 { return [] }
        return text.split(separator: "\n").map(String.init) + ["exit \(process.terminationStatus)"]
    }

    /// The faults of `text` (one JSON body) for `model`.
    static func faults(model: String, body text: String) throws -> [String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dd-body-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try faults(model: model, file: file.path)
    }

    private struct Pipes: @unchecked Sendable {
        let process: Process
        let input: FileHandle
        let output: FileHandle
    }

    private let pipes: Mutex<Pipes>

    /// Starts `check_bodies.py --serve` and returns once it has loaded the models, so that no
    /// request the fake holds for a verdict waits out Python's imports (seconds under a full
    /// test run, longer than a client's timeout). The wait blocks a Dispatch thread, not the
    /// test pool.
    static func start() async throws -> DatadogBodyChecker {
        let checker = try DatadogBodyChecker()
        let ready = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: checker.readLine()) }
        }
        guard (try? JSONParser.parse(ready))?["ready"]?.bool == true else {
            throw CheckerError(message: "check_bodies.py --serve did not start: \(ready)")
        }
        return checker
    }

    struct CheckerError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private init() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.script, "--serve"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        pipes = Mutex(Pipes(process: process, input: input.fileHandleForWriting, output: output.fileHandleForReading))
    }

    deinit {
        pipes.withLock {
            try? $0.input.close()
            $0.process.waitUntilExit()
        }
    }

    /// The checker's verdict on `body` for `model`: nil when good, else the faults on one line.
    func check(_ model: String, _ body: String) -> String? {
        pipes.withLock { pipes in
            let parsed = (try? JSONParser.parse(body)) ?? .null
            let request: JSON = ["model": .string(model), "body": parsed]
            pipes.input.write(Data((request.jsonText + "\n").utf8))
            guard let answer = try? JSONParser.parse(Self.readLine(pipes.output)),
                let errors = answer["errors"]?.array
            else { return "the body checker gave no answer" }
            return errors.isEmpty ? nil : errors.compactMap(\.string).joined(separator: "; ")
        }
    }

    /// One line of the checker's output.
    private func readLine() -> String { pipes.withLock { Self.readLine($0.output) } }

    private static func readLine(_ output: FileHandle) -> String {
        var line = Data()
        while true {
            let byte = output.readData(ofLength: 1)
            if byte.isEmpty || byte.first == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Makes `fake` refuse (400) every dashboard, monitor or metric-metadata body the models refuse.
    func enforce(on fake: FakeDatadog) {
        fake.objects.setBodyCheck { [self] model, body in check(model.rawValue, body) }
    }

    /// A started checker enforcing on `fake` (it lives as long as the fake's check does).
    @discardableResult
    static func enforce(on fake: FakeDatadog) async throws -> DatadogBodyChecker {
        let checker = try await start()
        checker.enforce(on: fake)
        return checker
    }
}
