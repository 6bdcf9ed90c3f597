import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("Rate-limit rules: the HTTP layer reads only the headers and wording an API's rules state")
struct RateLimitRulesTests {
    /// W&B (and the IETF draft) name them `RateLimit-*`, the reset in seconds from now.
    static let wandbLike = RateLimitRules(
        limitHeader: "RateLimit-Limit", remainingHeader: "RateLimit-Remaining", resetHeader: "RateLimit-Reset",
        resetFormat: .deltaSeconds)

    @Test("the default ignores x-ratelimit-* on a 403: it goes back to the caller")
    func defaultIgnoresVendorHeadersOn403() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 30
        let server = try LoopbackServer { _ in
            .json(
                #"{"message":"API rate limit exceeded"}"#, status: 403,
                headers: [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/x"))

        #expect(response.status == 403)
        #expect(server.requestCount == 1)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test("the default ignores the secondary-limit wording: the 403 goes back to the caller")
    func defaultIgnoresSecondaryWording() async throws {
        let server = try LoopbackServer { _ in
            .json(#"{"message":"You have exceeded a secondary rate limit."}"#, status: 403)
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/search"))

        #expect(response.status == 403)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test("the default does not pace on x-ratelimit-* however little they say is left")
    func defaultDoesNotPace() async throws {
        let reset = Int(fixedNow.timeIntervalSince1970) + 20
        let server = try LoopbackServer { _ in
            .json(
                "{}",
                headers: [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "9"), ("x-ratelimit-reset", "\(reset)")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }
        for _ in 0..<3 { _ = try await client.send(.get(server.baseURL + "/x", headers: [("Authorization", "Bearer t")])) }
        #expect(sleeper.recorded.isEmpty)
    }

    @Test("the default still honours Retry-After")
    func defaultHonoursRetryAfter() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() == 1 ? .json("{}", status: 403, headers: [("Retry-After", "5")]) : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/x"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(5)])
    }

    @Test("rules naming RateLimit-Remaining / RateLimit-Reset (seconds from now) wait for the reset")
    func otherHeaderNamesAreHonoured() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() == 1
                ? .json("{}", status: 429, headers: [("RateLimit-Remaining", "0"), ("RateLimit-Reset", "7")])
                : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: Self.wandbLike)
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/x"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(8)])  // until the reset, plus one second of slack
    }

    @Test("a reset past what the policy waits fails at once, naming the rules' reset header")
    func otherResetHeaderNamedInError() async throws {
        let server = try LoopbackServer { _ in
            .json("{}", status: 429, headers: [("RateLimit-Remaining", "0"), ("RateLimit-Reset", "3600")])
        }
        defer { server.stop() }
        let client = makeClient(rateLimits: Self.wandbLike)
        defer { client.shutdown() }

        let error = await httpError { _ = try await client.send(.get(server.baseURL + "/x")) }

        #expect(error?.kind == .rateLimited(until: fixedNow.addingTimeInterval(3601), source: "ratelimit-reset"))
    }

    @Test("the budget paces by the rules' headers, the reset in seconds from now")
    func budgetPacesByOtherHeaders() async throws {
        let server = try LoopbackServer { _ in
            .json(
                "{}", headers: [("RateLimit-Limit", "1000"), ("RateLimit-Remaining", "9"), ("RateLimit-Reset", "20")])
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: Self.wandbLike)
        defer { client.shutdown() }
        for _ in 0..<3 { _ = try await client.send(.get(server.baseURL + "/x", headers: [("Authorization", "Bearer t")])) }
        // 20 s over 10 requests, then over 9 (as with GitHub's headers).
        #expect(sleeper.recorded == [.seconds(2), .milliseconds(2222)])
    }

    @Test("rules with their own secondary-limit phrases wait a minute on them")
    func ownSecondaryPhrases() async throws {
        let calls = Shared(0)
        let server = try LoopbackServer { _ in
            calls.increment() == 1 ? .json(#"{"error":"Slow Down, please"}"#, status: 429) : .json("{}")
        }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let client = makeClient(sleeper: sleeper, rateLimits: RateLimitRules(secondaryLimitPhrases: ["slow down"]))
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/x"))

        #expect(response.status == 200)
        #expect(sleeper.recorded == [.seconds(60)])
    }

    @Test("the budget key hashes only the headers the rules name as credentials")
    func keyHashesOnlyStatedCredentials() {
        let host = "api.datadoghq.com:443"
        let datadog = RateLimitRules(credentialHeaders: ["DD-API-KEY"])
        func key(_ headers: [(String, String)], _ rules: RateLimitRules) -> String {
            RateLimitBudget.key(host: host, headers: headers, rules: rules)
        }
        // Stated: the key differs with the credential, and with nothing else.
        #expect(key([("DD-API-KEY", "one")], datadog) != key([("DD-API-KEY", "two")], datadog))
        #expect(key([("dd-api-key", "one")], datadog) == key([("DD-API-KEY", "one"), ("Authorization", "x")], datadog))
        #expect(!key([("DD-API-KEY", "secret-one")], datadog).contains("secret-one"))
        // The default knows only Authorization: another API's key header is not a credential.
        #expect(key([("DD-API-KEY", "one")], .standard) == key([("DD-API-KEY", "two")], .standard))
        #expect(key([("Authorization", "one")], .standard) != key([("Authorization", "two")], .standard))
    }

    @Test("remaining is read from the rules' header, or not at all")
    func remainingThroughRules() {
        let headers: HTTPHeaders = ["x-ratelimit-remaining": "42", "RateLimit-Remaining": "7"]
        #expect(RateLimitRules.standard.remaining(in: headers) == nil)
        #expect(RateLimitRules.githubLike.remaining(in: headers) == 42)
        #expect(Self.wandbLike.remaining(in: headers) == 7)
    }
}
