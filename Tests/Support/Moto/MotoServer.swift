import AWS
import Dispatch
import Foundation
import Glibc
import HTTP
import LoopbackHTTP
import Pipeline
import Synchronization

/// moto's standalone server (`moto.server`, what `.venv-test/bin/moto_server` runs) on
/// 127.0.0.1 with SigV4 checking on, for tests of AWS calls against something that really
/// checks signatures.
///
/// How tests get valid keys: with authentication on, moto accepts only the access keys of IAM
/// users created in it (it has no built-in root key: any other key is `InvalidClientTokenId`,
/// a wrong secret `SignatureDoesNotMatch`, or `AuthFailure` on EC2). So the server starts with
/// authentication off (`INITIAL_NO_AUTH_ACTION_COUNT=inf`), `start` creates the user `tester`
/// with an access key and an allow-everything policy through moto's IAM API, then turns
/// checking on for every later request (`POST /moto-api/reset-auth` with `0`, the same switch
/// as `INITIAL_NO_AUTH_ACTION_COUNT=0`). `credentials` are that user's keys.
///
/// Each server is its own moto with its own data. `stop()` (or `deinit`) terminates it; a
/// watchdog thread in the server also exits when the test process dies, so a crashed test run
/// leaves no moto behind.
public final class MotoServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let endpoint: String
    /// Keys of the IAM user `tester`, allowed everything.
    public let credentials: AWSCredentials
    public let region = "us-east-1"
    /// The account moto answers as.
    public let accountID = "123456789012"
    private let process: Mutex<Process?>

    /// The environment an AWS client needs to talk to this server: endpoint, region, keys, and
    /// IMDS off.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_ACCESS_KEY_ID": credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey, "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// Why the server could not be started.
    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The package root: this file is Tests/Support/Moto/MotoServer.swift.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent(".venv-test/bin/python3")

    /// moto's server entry point plus a thread that exits when the parent (the test process) is gone.
    static let launcher = """
        import os, sys, threading, time
        parent = os.getppid()
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
        from moto.server import main
        main(sys.argv[1:])
        """

    private init(endpoint: String, credentials: AWSCredentials, process: Process) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.process = Mutex(process)
    }

    deinit { stop() }

    /// Starts a server, waits until it answers, and creates the test user; throws if moto is
    /// not installed (`scripts/setup-test-peers.sh`) or does not come up within 30 seconds.
    public static func start(http: HTTPClient) async throws -> MotoServer {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw StartFailure(description: "\(python.path) is missing: run scripts/setup-test-peers.sh")
        }
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try FreePort.pick()
            let process = Process()
            process.executableURL = python
            process.arguments = ["-c", launcher, "-H", "127.0.0.1", "-p", String(port)]
            var environment = ProcessInfo.processInfo.environment
            environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "inf"
            environment["MOTO_PORT"] = String(port)
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let endpoint = "http://127.0.0.1:\(port)"
            do {
                try await waitUntilAnswering(endpoint, process: process, http: http)
                let credentials = try await createTestUser(endpoint: endpoint, http: http)
                try await enableAuthentication(endpoint: endpoint, http: http)
                return MotoServer(endpoint: endpoint, credentials: credentials, process: process)
            } catch {
                terminate(process)
                lastError = error
            }
        }
        throw lastError ?? StartFailure(description: "moto did not start")
    }

    /// Runs `body` with a fresh server and stops the server afterwards, whatever happens.
    public static func with<T: Sendable>(http: HTTPClient, _ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await start(http: http)
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

    /// `stop()` on a Dispatch thread: waiting for Python to exit must not hold one of Swift's
    /// few cooperative threads (two on a 2-core machine), which other tests' timing depends on.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.stop()
                continuation.resume()
            }
        }
    }

    /// Terminates the server and waits for it to exit (blocking). Idempotent.
    public func stop() {
        guard
            let process = self.process.withLock({ value -> Process? in
                defer { value = nil }
                return value
            })
        else { return }
        Self.terminate(process)
    }

    /// A client for `service` on this server with the test user's keys.
    public func client(_ service: String, http: HTTPClient, credentials: AWSCredentials? = nil) throws -> AWSClient {
        try AWSClient(
            service: service, environment: environment, http: http, region: region,
            credentials: StaticCredentialsProvider(credentials ?? self.credentials))
    }

    // MARK: Seeding: plain signed calls

    /// Images moto knows in every region: Amazon Linux, and Windows Server (`platform` windows).
    public static let amazonLinuxAMI = "ami-760aaa0f"
    public static let windowsAMI = "ami-12c6146b"

    /// Creates a secret (Secrets Manager `CreateSecret`); returns its ARN.
    @discardableResult
    public func createSecret(name: String, string: String, http: HTTPClient) async throws -> String {
        let answer = try await client("secretsmanager", http: http)
            .json(target: "secretsmanager.CreateSecret", body: ["Name": .string(name), "SecretString": .string(string)])
        return answer["ARN"]?.string ?? ""
    }

    /// Launches `count` instances of `instanceType` (EC2 `RunInstances`) with `tags`; returns
    /// their ids.
    @discardableResult
    public func runInstances(
        count: Int, instanceType: String = "t3.micro", imageID: String = MotoServer.amazonLinuxAMI, tags: [(String, String)] = [],
        region: String? = nil, http: HTTPClient
    ) async throws -> [String] {
        var parameters: [(String, String)] = [
            ("ImageId", imageID), ("MinCount", String(count)), ("MaxCount", String(count)), ("InstanceType", instanceType),
        ]
        if !tags.isEmpty {
            parameters.append(("TagSpecification.1.ResourceType", "instance"))
            for (index, (key, value)) in tags.enumerated() {
                parameters.append(("TagSpecification.1.Tag.\(index + 1).Key", key))
                parameters.append(("TagSpecification.1.Tag.\(index + 1).Value", value))
            }
        }
        var ec2 = try client("ec2", http: http)
        if let region { ec2 = ec2.inRegion(region) }
        let answer = try await ec2.query(action: "RunInstances", version: "2016-11-15", parameters: parameters)
        return answer.first("instancesSet")?.all("item").compactMap { $0.value("instanceId") } ?? []
    }

    // MARK: Start-up

    static func waitUntilAnswering(_ endpoint: String, process: Process, http: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw StartFailure(description: "moto exited with status \(process.terminationStatus) before answering")
            }
            let probe = HTTPRequest(method: "GET", url: endpoint + "/moto-api/", timeout: .seconds(2), retry: RetryPolicy.none)
            if let response = try? await http.send(probe), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StartFailure(description: "moto did not answer on \(endpoint) within 30 seconds")
    }

    /// IAM `CreateUser`, `CreateAccessKey`, `PutUserPolicy` while authentication is still off.
    static func createTestUser(endpoint: String, http: HTTPClient) async throws -> AWSCredentials {
        let bootstrap = AWSCredentials(accessKeyID: "AKIABOOTSTRAP0000000", secretAccessKey: "bootstrap")
        let iam = try AWSClient(
            service: "iam", environment: ["AWS_ENDPOINT_URL": endpoint], http: http, region: "us-east-1",
            credentials: StaticCredentialsProvider(bootstrap))
        _ = try await iam.query(action: "CreateUser", version: "2010-05-08", parameters: [("UserName", "tester")])
        let created = try await iam.query(action: "CreateAccessKey", version: "2010-05-08", parameters: [("UserName", "tester")])
        guard let key = created.descendant("AccessKey"), let id = key.value("AccessKeyId"),
            let secret = key.value("SecretAccessKey")
        else { throw StartFailure(description: "moto's CreateAccessKey answered without a key") }
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await iam.query(
            action: "PutUserPolicy", version: "2010-05-08",
            parameters: [("UserName", "tester"), ("PolicyName", "everything"), ("PolicyDocument", policy)])
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    /// From now on every request must be signed by a moto IAM user.
    static func enableAuthentication(endpoint: String, http: HTTPClient) async throws {
        let request = HTTPRequest(
            method: "POST", url: endpoint + "/moto-api/reset-auth", headers: [("Content-Type", "text/plain")],
            body: Array("0".utf8), retry: RetryPolicy.none)
        let response = try await http.send(request)
        guard response.status == 200 else {
            throw StartFailure(description: "moto's reset-auth answered HTTP \(response.status)")
        }
    }

    /// SIGTERM, then SIGKILL if it lingers, and reap it.
    static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
