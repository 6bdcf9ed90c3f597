import Foundation
import Synchronization
import TestKit
import Testing

@testable import Pipeline

/// A backend over a dictionary that counts lookups per name.
private final class CountingSecrets: SecretBackend {
    let stored: [String: String]
    let failing: Set<String>
    let calls = Mutex<[String: Int]>([:])
    init(_ stored: [String: String], failing: Set<String> = []) {
        self.stored = stored
        self.failing = failing
    }
    var description: String { "the test store" }
    struct Down: Error, CustomStringConvertible { var description: String { "connection refused" } }
    func fetch(_ name: String) async throws -> String? {
        calls.withLock { $0[name, default: 0] += 1 }
        if failing.contains(name) { throw Down() }
        return stored[name]
    }
}

@Suite("SecretValues")
struct SecretValuesTests {
    @Test("each secret name is fetched once, however many keys of it are used")
    func fetchedOncePerName() async {
        let backend = CountingSecrets(["dd": #"{"api_key": "k-123456", "app_key": "a-654321"}"#, "gh": "ghp_abcdef"])
        let refs: Set<SecretReference> = [SecretReference("dd#api_key")!, SecretReference("dd#app_key")!, SecretReference("gh")!]
        let secrets = await SecretValues.fetch(refs, from: backend)
        #expect(secrets.values[SecretReference("dd#api_key")!] == "k-123456")
        #expect(secrets.values[SecretReference("dd#app_key")!] == "a-654321")
        #expect(secrets.values[SecretReference("gh")!] == "ghp_abcdef")
        #expect(secrets.failures.isEmpty)
        #expect(backend.calls.withLock { $0 } == ["dd": 1, "gh": 1])
    }

    @Test("a missing secret, a missing key and a failing backend name the secret, never a value")
    func failuresNameTheSecret() async {
        let backend = CountingSecrets(["dd": #"{"api_key": "k-SECRETVALUE"}"#, "plain": "p-SECRETVALUE"], failing: ["down"])
        let refs: Set<SecretReference> = [
            SecretReference("nope")!, SecretReference("dd#api_kye")!, SecretReference("plain#k")!, SecretReference("down")!,
        ]
        let secrets = await SecretValues.fetch(refs, from: backend)
        #expect(secrets.values.isEmpty)
        #expect(secrets.failures[SecretReference("nope")!] == "secret \"nope\" was not found in the test store")
        #expect(
            secrets.failures[SecretReference("dd#api_kye")!] == "secret \"dd\" has no key \"api_kye\" (did you mean \"api_key\"?)"
        )
        #expect(secrets.failures[SecretReference("plain#k")!] == "secret \"plain\" is not a JSON object, so it has no key \"k\"")
        #expect(
            secrets.failures[SecretReference("down")!]
                == "secret \"down\" could not be read from the test store: connection refused")
        #expect(!secrets.failures.values.contains { $0.contains("SECRETVALUE") })
    }

    @Test("the environment backend reads NAME upper-cased with _ for every other character")
    func environmentBackend() async throws {
        #expect(EnvironmentSecrets.variable(for: "github/dashboard-token") == "GITHUB_DASHBOARD_TOKEN")
        let backend = EnvironmentSecrets(environment: ["GITHUB_DASHBOARD_TOKEN": "ghp_x1"])
        #expect(try await backend.fetch("github/dashboard-token") == "ghp_x1")
        #expect(try await backend.fetch("github/other") == nil)
    }

    @Test("the directory backend reads DIR/NAME as Kubernetes mounts a Secret, one final newline dropped")
    func directoryBackend() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/github", withIntermediateDirectories: true)
            try Data("ghp_from_file\n".utf8).write(to: URL(fileURLWithPath: dir + "/github/dashboard-token"))
            try Data("two\nlines\n\n".utf8).write(to: URL(fileURLWithPath: dir + "/multi"))
            let backend = DirectorySecrets(directory: dir)
            #expect(try await backend.fetch("github/dashboard-token") == "ghp_from_file")
            #expect(try await backend.fetch("multi") == "two\nlines\n")
            #expect(try await backend.fetch("github/missing") == nil)
            #expect(try await backend.fetch("github") == nil, "a directory is not a secret")
            #expect(try await backend.fetch("../\((dir as NSString).lastPathComponent)/multi") == nil, "no climbing out")
        }
    }

    @Test("PIPELINE_SECRETS chooses env (default), dir:PATH, dir, or aws; anything else is a clear error")
    func backendSetting() throws {
        #expect(try SecretBackendSetting.parse(nil) == .environment)
        #expect(try SecretBackendSetting.parse("env") == .environment)
        #expect(try SecretBackendSetting.parse("dir:/mnt/s") == .directory("/mnt/s"))
        #expect(try SecretBackendSetting.parse("dir") == .directory("/var/run/secrets/pipeline"))
        #expect(try SecretBackendSetting.parse("aws") == .awsSecretsManager)
        #expect(throws: SecretBackendSetting.Invalid.self) { try SecretBackendSetting.parse("vault") }
    }

    @Test("${secret:NAME} expands to the fetched value; an unresolved one fails with its reason")
    func interpolation() throws {
        let ok = SecretReference("gh")!
        let missing = SecretReference("dd#api_key")!
        let variables = Variables(
            environment: ["DD_API_KEY": "from-env"],
            secrets: SecretValues(
                values: [ok: "ghp_value"], failures: [missing: "secret \"dd\" was not found in the environment"]))
        #expect(try Interpolation.expand("Bearer ${secret:gh}", variables: variables) == "Bearer ghp_value")
        #expect(
            try Interpolation.expand("${DD_API_KEY:-${secret:dd#api_key}}", variables: variables) == "from-env",
            "a default not taken does not need its secret")
        #expect(throws: Interpolation.Failure(message: "secret \"dd\" was not found in the environment")) {
            try Interpolation.expand("${secret:dd#api_key}", variables: variables)
        }
        #expect(throws: Interpolation.Failure.self) { try Interpolation.expand("${secret:}", variables: variables) }
    }

    @Test("resolved values are scrubbed from text; short values are left alone")
    func redaction() {
        let redaction = SecretRedaction()
        redaction.register("ghp_abcdefgh")
        redaction.register("abc")
        #expect(redaction.redact("GET with ghp_abcdefgh failed; abc") == "GET with [secret] failed; abc")
    }
}
