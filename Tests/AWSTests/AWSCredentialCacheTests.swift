import Foundation
import TestKit
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

struct AWSCredentialCacheTests {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        let time = Shared(Date(timeIntervalSince1970: 1_800_000_000))
        var now: @Sendable () -> Date { { [time] in time.value } }
        func advance(_ seconds: TimeInterval) { time.update { $0 = $0.addingTimeInterval(seconds) } }
    }

    func expiring(in seconds: TimeInterval, from clock: Clock) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: "ASIA", secretAccessKey: "s", sessionToken: "t", expiration: clock.time.value.addingTimeInterval(seconds)
        )
    }

    @Test func keepsCredentialsUntilFiveMinutesBeforeTheyExpire() async throws {
        let clock = Clock()
        let calls = Shared(0)
        let cache = AWSCredentialCache(CountingProvider(calls: calls, value: expiring(in: 3600, from: clock)), now: clock.now)
        _ = try await cache.credentials()
        clock.advance(3600 - 301)
        _ = try await cache.credentials()
        #expect(calls.value == 1)
        clock.advance(2)  // now 299 s before expiry
        _ = try await cache.credentials()
        #expect(calls.value == 2)
    }

    @Test func neverRefreshesLongTermKeys() async throws {
        let calls = Shared(0)
        let cache = AWSCredentialCache(CountingProvider(calls: calls, value: testCredentials))
        for _ in 0..<5 { _ = try await cache.credentials() }
        #expect(calls.value == 1)
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        let calls = Shared(0)
        let cache = AWSCredentialCache(CountingProvider(calls: calls, value: testCredentials, delay: .milliseconds(100)))
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.credentials().accessKeyID } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(keys.count == 20)
        #expect(calls.value == 1)
    }

    /// Succeeds once, then fails.
    struct FirstThenFail: AWSCredentialProvider {
        let calls: Shared<Int>
        let value: AWSCredentials
        func credentials() async throws -> AWSCredentials {
            if calls.increment() > 1 { throw AWSCredentialsError(source: "test", reason: "down") }
            return value
        }
    }

    @Test func keepsUsingValidCredentialsWhenARefreshFails() async throws {
        let clock = Clock()
        let calls = Shared(0)
        let cache = AWSCredentialCache(FirstThenFail(calls: calls, value: expiring(in: 200, from: clock)), now: clock.now)
        let first = try await cache.credentials()
        // Inside the refresh window the refresh fails: the still-valid credentials are served.
        #expect(try await cache.credentials() == first)
        #expect(calls.value == 2)
        clock.advance(201)
        await #expect(throws: AWSCredentialsError.self) { try await cache.credentials() }
        #expect(calls.value == 3)
    }
}
