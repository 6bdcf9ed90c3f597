import Dispatch
import Foundation
import TestKit

/// Runs a Python script of the test peers' venv once, feeding it `input` on stdin and returning
/// its stdout. The blocking waits happen on a Dispatch thread, not on Swift's cooperative pool.
enum PythonRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(script: URL, input: String) async throws -> String {
        let python = AWSTestPaths.venvPython
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failure(description: "\(python.path) is missing: run scripts/setup-test-peers.sh")
        }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = python
                    process.arguments = [script.path]
                    let stdin = Pipe()
                    let stdout = Pipe()
                    let stderr = Pipe()
                    process.standardInput = stdin
                    process.standardOutput = stdout
                    process.standardError = stderr
                    try process.run()
                    // The script reads all of stdin before it writes, so this cannot deadlock;
                    // stderr is drained on its own thread in case it is chatty.
                    let errors = Shared(Data())
                    let drained = DispatchSemaphore(value: 0)
                    DispatchQueue.global().async {
                        let data = stderr.fileHandleForReading.readDataToEndOfFile()
                        errors.update { $0 = data }
                        drained.signal()
                    }
                    stdin.fileHandleForWriting.write(Data(input.utf8))
                    try stdin.fileHandleForWriting.close()
                    let output = stdout.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    drained.wait()
                    guard process.terminationStatus == 0 else {
                        let text = String(decoding: errors.value, as: UTF8.self)
                        throw Failure(
                            description:
                                "\(script.lastPathComponent) exited with \(process.terminationStatus): \(text.suffix(2000))")
                    }
                    continuation.resume(returning: String(decoding: output, as: UTF8.self))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
