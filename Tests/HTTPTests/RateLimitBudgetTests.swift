import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("Rate-limit budget")
struct RateLimitBudgetTests {
    static func response(limit: Int, remaining: Int, reset: Date) -> HTTPResponse {
        HTTPResponse(
            status: 200,
            headers: [
                "x-ratelimit-limit": "\(limit)", "x-ratelimit-remaining": "\(remaining)",
                "x-ratelimit-reset": "\(Int(reset.timeIntervalSince1970))",
            ], url: "https://api.github.com/x")
    }

    @Test("plenty left: no waiting")
    func plentyLeftNoWait() {
        let budget = RateLimitBudget()
        budget.record(
            Self.response(limit: 5000, remaining: 4000, reset: fixedNow.addingTimeInterval(600)), key: "k", rules: .githubLike,
            now: fixedNow)
        #expect(budget.delay(for: "k", now: fixedNow) == .zero)
    }

    @Test("under 5% left, each request waits its share of the time to the reset")
    func lowBudgetSpacesRequests() {
        let budget = RateLimitBudget()
        budget.record(
            Self.response(limit: 5000, remaining: 10, reset: fixedNow.addingTimeInterval(22)), key: "k", rules: .githubLike,
            now: fixedNow)
        #expect(budget.delay(for: "k", now: fixedNow) == .seconds(2))  // 22 s over 11 requests
        #expect(budget.delay(for: "k", now: fixedNow) == .milliseconds(2200))  // one fewer left: 22 s over 10
        #expect(budget.delay(for: "k", now: fixedNow.addingTimeInterval(30)) == .zero)  // past the reset
    }

    @Test("answers arriving out of order keep the smallest remaining of a window; a new window replaces it")
    func outOfOrderAnswers() {
        let budget = RateLimitBudget()
        let reset = fixedNow.addingTimeInterval(100)
        budget.record(Self.response(limit: 5000, remaining: 40, reset: reset), key: "k", rules: .githubLike, now: fixedNow)
        budget.record(Self.response(limit: 5000, remaining: 45, reset: reset), key: "k", rules: .githubLike, now: fixedNow)
        #expect(budget.window(for: "k")?.remaining == 40)
        budget.record(
            Self.response(limit: 5000, remaining: 4999, reset: reset.addingTimeInterval(3600)), key: "k", rules: .githubLike,
            now: fixedNow)
        #expect(budget.window(for: "k")?.remaining == 4999)
    }

    @Test("tokens and hosts have separate budgets, keyed without the token itself")
    func separateBudgets() {
        let a = RateLimitBudget.key(host: "api.github.com:443", headers: [("Authorization", "Bearer one")], rules: .standard)
        let b = RateLimitBudget.key(host: "api.github.com:443", headers: [("Authorization", "Bearer two")], rules: .standard)
        let c = RateLimitBudget.key(host: "ghe.example:443", headers: [("Authorization", "Bearer one")], rules: .standard)
        #expect(Set([a, b, c]).count == 3)
        #expect(!a.contains("one"))
    }

    @Test("the client slows down once the server says the budget is low")
    func clientPacesRequests() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 20
        let server = try LoopbackServer { _ in
            LoopbackResponse.json(
                "{}",
                headers: [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "9"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: .githubLike)
        defer { client.shutdown() }
        for _ in 0..<3 { _ = try await client.send(.get(server.baseURL + "/x", headers: [("Authorization", "Bearer t")])) }
        // After the first answer: 20 s over 10 requests; then the local estimate has one fewer
        // (the server's unchanged 9 is older news within the same window): 20 s over 9.
        #expect(sleeper.recorded == [.seconds(2), .milliseconds(2222)])
    }
}
