import Dashboards
import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Testing

/// `DatadogAPI` against the fake Datadog: what it repeats and what it must not.
@Suite("DatadogAPI")
struct DatadogAPITests {
    static func api(_ fake: FakeDatadog, timeout: Duration) -> (DatadogAPI, HTTPClient) {
        let http = HTTPClient(
            configuration: .init(
                requestTimeout: timeout, retry: RetryPolicy(baseDelay: .milliseconds(10)),
                logger: Logger(label: "http", level: .error)))
        let api = DatadogAPI(
            endpoint: DatadogEndpoint(baseURL: fake.baseURL), apiKey: fake.apiKey,
            applicationKey: FakeDatadog.defaultApplicationKey, http: http)
        return (api, http)
    }

    static let dashboard = JSON.object(
        JSONObject([("title", .string("t")), ("layout_type", .string("ordered")), ("widgets", .array([]))]))

    @Test("a POST whose answer times out is not sent again: one dashboard, and the error says why")
    func createNotRepeatedAfterTimeout() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        fake.delay = .seconds(2)
        let (api, http) = Self.api(fake, timeout: .milliseconds(500))
        defer { http.shutdown() }
        do {
            _ = try await api.call("POST", "/api/v1/dashboard", body: Self.dashboard)
            Issue.record("the call should have timed out")
        } catch {
            #expect(error.message.contains("not tried again"), "\(error.message)")
        }
        #expect(fake.objects.writes.map(\.method) == ["POST"])
        #expect(fake.objects.dashboards.count == 1)
    }

    @Test("a POST answered 503 is reported, not sent again; a GET answered 503 is retried")
    func createNotRepeatedAfterServerError() async throws {
        let fake = try FakeDatadog()
        defer { fake.stop() }
        let (api, http) = Self.api(fake, timeout: .seconds(5))
        defer { http.shutdown() }
        fake.fail(status: 503, times: 1)
        do {
            _ = try await api.call("POST", "/api/v1/dashboard", body: Self.dashboard)
            Issue.record("the call should have failed")
        } catch {
            #expect(error.message.contains("503"), "\(error.message)")
        }
        #expect(fake.requests.filter { $0.method == "POST" }.count == 1)
        fake.fail(status: 503, times: 1)
        let listing = try await api.call("GET", "/api/v1/dashboard")
        #expect(listing["dashboards"] != nil)
        #expect(fake.requests.filter { $0.method == "GET" }.count == 2)
    }
}
