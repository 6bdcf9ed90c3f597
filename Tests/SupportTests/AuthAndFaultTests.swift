import FakeGitHub
import Foundation
import Testing

@Suite("Authentication and faults")
struct AuthAndFaultTests {
    static let data = FakeGitHubData.edgeCases(now: TestTime.now)

    @Test func tokenIsRequiredWhenSet() async throws {
        let fake = try FakeGitHub(data: Self.data, token: "s3cret")
        defer { fake.stop() }
        let url = fake.baseURL + "/repos/octo-org/octo-repo"
        let missing = try await TestHTTP().get(url)
        #expect(missing.status == 401)
        #expect(missing.object["message"] as? String == "Bad credentials")
        #expect(missing.header("content-type") == "application/json; charset=utf-8")
        #expect(try await TestHTTP().get(url, headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try await TestHTTP().get(url, headers: ["Authorization": "s3cret"]).status == 401)
        #expect(try await TestHTTP().get(url, headers: ["Authorization": "Bearer s3cret"]).status == 200)
        #expect(try await TestHTTP().get(url, headers: ["Authorization": "token s3cret"]).status == 200)
        // The stats endpoint is outside the API and needs no token.
        #expect(try await TestHTTP().get(fake.baseURL + "/_stats").status == 200)

        #expect(fake.authorizationHeaders == ["Bearer wrong", "s3cret", "Bearer s3cret", "token s3cret"])
        #expect(fake.unauthenticatedRequestCount == 1)
        #expect(fake.requestLog.map(\.status) == [401, 401, 401, 200, 200])
    }

    @Test func noTokenMeansNoCheck() async throws {
        let fake = try FakeGitHub(data: Self.data)
        defer { fake.stop() }
        #expect(try await TestHTTP().get(fake.baseURL + "/repos/octo-org/octo-repo").status == 200)
    }

    @Test func schedulesAreDeterministic() {
        let plan = FaultPlan.every(5, offset: 2, burst: 2, .serverError(status: 503))
        let schedule = plan.schedule(requests: 12).map { $0 != nil }
        #expect(schedule == [false, false, true, true, false, false, false, true, true, false, false, false])
        #expect(FaultPlan.flaky.schedule(requests: 2_000) == FaultPlan.flaky.schedule(requests: 2_000))
        #expect(FaultPlan.none.schedule(requests: 100).allSatisfy { $0 == nil })

        // Every fault kind occurs in the flaky plan, never more than 2 requests in a row fail, and
        // the first request always succeeds.
        let flaky = FaultPlan.flaky.schedule(requests: 5_000)
        let kinds = Set(flaky.compactMap { $0.map { String(describing: $0).prefix(while: { $0 != "(" }) } })
        #expect(kinds == ["serverError", "secondaryRateLimit", "tooManyRequests", "dropConnection", "primaryRateLimit"])
        var run = 0
        var longest = 0
        for fault in flaky {
            run = fault == nil ? 0 : run + 1
            longest = max(longest, run)
        }
        #expect(longest == 2)
        #expect(flaky[0] == nil)
        let share = Double(flaky.compactMap { $0 }.count) / Double(flaky.count)
        #expect(share > 0.1 && share < 0.2)
    }

    @Test func pathFilteredRulesCountOnlyTheirRequests() {
        let plan = FaultPlan.every(2, offset: 1, .dropConnection, pathContains: "/commits/")
        #expect(plan.fault(path: "/repos/o/r/pulls", counts: [2]) == nil)
        #expect(plan.fault(path: "/repos/o/r/commits/abc", counts: [2]) == .dropConnection)
        #expect(plan.fault(path: "/repos/o/r/commits/abc", counts: [3]) == nil)
    }

    @Test func faultsHitRequestsByArrivalOrder() async throws {
        let plan = FaultPlan(rules: [
            .init(.serverError(status: 502), every: 6, offset: 1),
            .init(.secondaryRateLimit(retryAfterSeconds: 1), every: 6, offset: 2),
            .init(.tooManyRequests(retryAfterSeconds: 2), every: 6, offset: 3),
            .init(.primaryRateLimit(resetAfterSeconds: 5), every: 6, offset: 4),
        ])
        let fake = try FakeGitHub(data: Self.data, faults: plan)
        defer { fake.stop() }
        let url = fake.baseURL + "/repos/octo-org/octo-repo"
        let http = TestHTTP()
        var responses: [TestHTTP.Response] = []
        for _ in 0..<6 { responses.append(try await http.get(url)) }
        #expect(responses.map(\.status) == [200, 502, 403, 429, 403, 200])

        let secondary = responses[2]
        #expect(secondary.header("retry-after") == "1")
        #expect(
            secondary.object["message"] as? String
                == "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
        #expect(responses[3].header("retry-after") == "2")
        let primary = responses[4]
        #expect(primary.header("x-ratelimit-remaining") == "0")
        let reset = Int(primary.header("x-ratelimit-reset") ?? "") ?? 0
        let now = Int(Date().timeIntervalSince1970)
        #expect(reset >= now + 4 && reset <= now + 7)
        #expect((primary.object["message"] as? String)?.hasPrefix("API rate limit exceeded") == true)
        // Every answer, faulty or not, is JSON with the rate-limit headers.
        #expect(responses.allSatisfy { $0.header("x-ratelimit-limit") == "5000" && $0.json != nil })
    }

    @Test func droppedConnectionsAreClosedWithoutAnswer() throws {
        let fake = try FakeGitHub(data: Self.data, faults: .every(2, offset: 1, .dropConnection))
        defer { fake.stop() }
        let client = try RawHTTPClient(port: fake.port)
        #expect(try client.get("/repos/octo-org/octo-repo").status == 200)
        #expect(throws: RawHTTPClient.ClosedError.self) { try client.get("/repos/octo-org/octo-repo") }
        #expect(try RawHTTPClient(port: fake.port).get("/repos/octo-org/octo-repo").status == 200)
        #expect(fake.requestLog.map(\.status) == [200, 0, 200])
    }

    @Test func failingPathPrefixFailsForever() async throws {
        let fake = try FakeGitHub(data: Self.data, failingPathPrefix: "/repos/octo-org/octo-repo/commits/")
        defer { fake.stop() }
        let http = TestHTTP()
        let repo = fake.baseURL + "/repos/octo-org/octo-repo"
        for _ in 0..<3 {
            let response = try await http.get(repo + "/commits/trunk")
            #expect(response.status == 500)
            #expect(response.object["message"] as? String == "Server Error")
        }
        #expect(try await http.get(repo + "/commits").status == 200)  // the listing is not affected
    }

    /// A client that retries each request until it succeeds always gets through the flaky plan.
    @Test func retriedRequestsEventuallySucceed() throws {
        // Only the fault kinds that need no waiting, at the flaky plan's density.
        let plan = FaultPlan(rules: [
            .init(.serverError(status: 502), every: 20, offset: 3),
            .init(.serverError(status: 503), every: 40, offset: 9, burst: 2),
            .init(.dropConnection, every: 100, offset: 12),
        ])
        let fake = try FakeGitHub(data: Self.data, faults: plan)
        defer { fake.stop() }
        var maxAttempts = 0
        for page in 1...60 {
            var attempts = 0
            while true {
                attempts += 1
                let client = try RawHTTPClient(port: fake.port)
                if let response = try? client.get("/repos/octo-org/octo-repo/branches?page=\(page)"),
                    response.status == 200
                {
                    break
                }
                #expect(attempts < 5)
            }
            maxAttempts = max(maxAttempts, attempts)
        }
        #expect(maxAttempts >= 2)  // faults did happen
        #expect(maxAttempts <= 3)
    }
}
