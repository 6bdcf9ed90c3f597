import Dispatch
import Foundation
import Glibc
import LoopbackHTTP
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real SkyPilot API server (`skypilot` 0.14.1 from `.venv-test`, installed by
/// scripts/setup-test-peers.sh) on 127.0.0.1, for tests against the real thing.
///
/// Each server runs `sky api start --foreground --host 127.0.0.1 --port PORT` on a free port with
/// `HOME` at a fresh temporary directory (its own `~/.sky`, no cloud credentials) and usage
/// collection off. The server forks a request-queue manager and executor workers; they all share
/// one process group, led by a small Python launcher, and `stop()` ends the whole group: SIGTERM,
/// then SIGKILL for what is left after two seconds (after SIGTERM the real server's executor
/// workers do not exit: they loop on a broken pipe). The launcher also kills the group when the
/// test process dies, so a crashed test run leaves no server behind.
///
/// Measured on a 2-core machine: 8–16 s until `/api/health` answers, about 1–1.4 GB resident
/// over its 8 processes, and its first read takes several seconds more (later ones 0.1–0.2 s).
public final class SkyPilotServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let endpoint: String
    public let port: UInt16
    /// The server's `HOME` (removed by `stop()`).
    public let home: String
    /// Seconds from the start of the process until `/api/health` answered 200.
    public let startupSeconds: Double
    private let process: Mutex<Process?>

    /// Why the server could not be started.
    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The package root: this file is Tests/Support/SkyPilotPeer/SkyPilotServer.swift.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let venv = packageRoot.appendingPathComponent(".venv-test")
    static let python = venv.appendingPathComponent("bin/python3")
    /// The version the fixtures were captured from.
    public static let version = "0.14.1"

    /// nil when the server can be started; else why not (for skipping a test cleanly).
    public static var unavailableReason: String? {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return "\(python.path) is missing: run scripts/setup-test-peers.sh"
        }
        let lib = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        let installed = versions.contains { directory in
            FileManager.default.fileExists(
                atPath: lib.appendingPathComponent("\(directory)/site-packages/skypilot-\(version).dist-info").path)
        }
        return installed ? nil : "skypilot \(version) is not installed in .venv-test: run scripts/setup-test-peers.sh"
    }

    /// Puts itself at the head of a new process group, starts `sky …` (argv) as a child in it at a
    /// lower priority (nice 10), and kills the whole group when the test process (its parent) or
    /// the server goes away.
    static let launcher = """
        import os, signal, subprocess, sys, time
        try:
            os.setpgrp()
        except OSError:
            pass
        # Below the tests in priority: its start-up must not stall their timing.
        os.nice(10)
        parent = os.getppid()
        child = subprocess.Popen([sys.executable, "-c",
            "import sys; from sky.cli import cli; sys.argv[0] = 'sky'; sys.exit(cli())"] + sys.argv[1:])
        while os.getppid() == parent and child.poll() is None:
            time.sleep(0.5)
        os.killpg(0, signal.SIGKILL)
        """

    private init(endpoint: String, port: UInt16, home: String, startupSeconds: Double, process: Process) {
        self.endpoint = endpoint
        self.port = port
        self.home = home
        self.startupSeconds = startupSeconds
        self.process = Mutex(process)
    }

    deinit { stop() }

    /// Starts a server and waits until `/api/health` answers; throws if skypilot is not installed
    /// or the server does not answer within `timeout`.
    public static func start(timeout: Duration = .seconds(180)) async throws -> SkyPilotServer {
        if let reason = unavailableReason { throw StartFailure(description: reason) }
        let port = try FreePort.pick()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("skypilot-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let log = home.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = python
        process.arguments = [
            "-c", launcher, "api", "start", "--foreground", "--host", "127.0.0.1", "--port", String(port),
        ]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SKYPILOT_") }
        environment["HOME"] = home.path
        environment["SKYPILOT_DISABLE_USAGE_COLLECTION"] = "1"
        process.environment = environment
        process.currentDirectoryURL = home
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        try? output.close()
        let endpoint = "http://127.0.0.1:\(port)"
        do {
            try await waitUntilHealthy(endpoint, process: process, timeout: timeout, log: log)
        } catch {
            await Self.offThread { terminateGroup(process) }
            try? FileManager.default.removeItem(at: home)
            throw error
        }
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return SkyPilotServer(endpoint: endpoint, port: port, home: home.path, startupSeconds: seconds, process: process)
    }

    /// Runs `body` with a fresh server and stops the server afterwards, whatever happens.
    public static func with<T: Sendable>(_ body: (SkyPilotServer) async throws -> T) async throws -> T {
        let server = try await start()
        let result: T
        do {
            result = try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        return result
    }

    /// `stop()` on a Dispatch thread: waiting for the processes to exit must not hold one of
    /// Swift's few cooperative threads.
    public func shutdown() async { await Self.offThread { self.stop() } }

    /// Ends the server and every process of its group, waits for them, and removes its HOME
    /// (blocking). Idempotent.
    public func stop() {
        guard
            let process = self.process.withLock({ value -> Process? in
                defer { value = nil }
                return value
            })
        else { return }
        Self.terminateGroup(process)
        try? FileManager.default.removeItem(atPath: home)
    }

    /// The resident memory of the server's processes (the whole group), in bytes; nil once stopped.
    public var residentBytes: Int? {
        guard let leader = process.withLock({ $0?.processIdentifier }) else { return nil }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var total = 0
        for entry in entries {
            guard let pid = Int32(entry), getpgid(pid) == leader,
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
            else { continue }
            total += (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1_024
        }
        return total
    }

    /// The number of live processes in the server's group (0 once stopped).
    public static func groupSize(_ leader: Int32) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard let pid = Int32(entry), getpgid(pid) == leader,
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            else { return false }
            // Field 3, after the parenthesised name, is the state; Z is a zombie.
            return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true)
        }.count
    }

    /// The process group id of the server (its launcher's pid).
    public var processGroup: Int32? { process.withLock { $0?.processIdentifier } }

    // MARK: Start-up

    static func offThread(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                work()
                continuation.resume()
            }
        }
    }

    static func waitUntilHealthy(_ endpoint: String, process: Process, timeout: Duration, log: URL) async throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 2
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let url = URL(string: endpoint + "/api/health")!
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw StartFailure(
                    description: "the SkyPilot API server exited before answering; its log ends:\n\(tail(of: log))")
            }
            if let (_, response) = try? await session.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw StartFailure(
            description:
                "the SkyPilot API server did not answer on \(endpoint) within \(timeout); its log ends:\n\(tail(of: log))")
    }

    /// The last lines of the server's log (its own messages; it logs no credentials here: none exist).
    static func tail(of log: URL, lines: Int = 15) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// SIGTERM to the whole group, SIGKILL to what is left after two seconds, and wait until the
    /// group is gone (at most ten more seconds).
    static func terminateGroup(_ process: Process) {
        let group = process.processIdentifier
        if kill(-group, SIGTERM) != 0 { kill(group, SIGTERM) }
        var deadline = ContinuousClock.now + .seconds(2)
        while groupSize(group) > 0 && ContinuousClock.now < deadline { usleep(50_000) }
        if groupSize(group) > 0 { kill(-group, SIGKILL) }
        deadline = ContinuousClock.now + .seconds(10)
        while groupSize(group) > 0 && ContinuousClock.now < deadline { usleep(50_000) }
        process.waitUntilExit()
    }
}
