import FakeDatadog
import Foundation
import Testing

/// `pipeline check-datadog`: the API key, and the application key when one is set, checked
/// against the fake Datadog before a CronJob finds out.
@Suite("pipeline check-datadog")
struct CheckDatadogCommandTests {
    @Test("a valid API key without DD_APP_KEY passes and says metric metadata is not set")
    func apiKeyOnly() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let result = try await CLIRunner.run(
            ["check-datadog"], environment: ["DD_URL": fake.baseURL, "DD_API_KEY": fake.apiKey])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("API key is valid") && result.stdout.contains("no DD_APP_KEY"), "\(result.stdout)")
        #expect(fake.requests.map(\.path) == ["/api/v1/validate"])
    }

    @Test("with DD_APP_KEY both keys are checked, and both valid passes")
    func bothKeys() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let result = try await CLIRunner.run(
            ["check-datadog"],
            environment: [
                "DD_URL": fake.baseURL, "DD_API_KEY": fake.apiKey, "DD_APP_KEY": FakeDatadog.defaultApplicationKey,
            ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("API key and application key are valid"), "\(result.stdout)")
        #expect(fake.requests.map(\.path) == ["/api/v1/validate", "/api/v2/validate_keys"])
    }

    @Test("a wrong application key exits 1 naming DD_APP_KEY, and the key is not printed")
    func wrongApplicationKey() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let wrong = "wrong-application-key-5e81c0"
        let result = try await CLIRunner.run(
            ["check-datadog"], environment: ["DD_URL": fake.baseURL, "DD_API_KEY": fake.apiKey, "DD_APP_KEY": wrong])
        #expect(result.exitCode == 1)
        #expect(
            result.stderr.contains("rejected the application key (403)") && result.stderr.contains("DD_APP_KEY"),
            "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains(wrong))
        #expect(!(result.stdout + result.stderr).contains(fake.apiKey))
    }

    @Test("a wrong API key exits 1 naming DD_API_KEY and does not go on to the application key")
    func wrongAPIKey() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let result = try await CLIRunner.run(
            ["check-datadog"],
            environment: [
                "DD_URL": fake.baseURL, "DD_API_KEY": "wrong-api-key-77aa", "DD_APP_KEY": FakeDatadog.defaultApplicationKey,
            ])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("rejected the API key (403)"), "\(result.stderr)")
        #expect(fake.requests.map(\.path) == ["/api/v1/validate"])
    }
}
