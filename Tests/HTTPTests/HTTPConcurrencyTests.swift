import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

@Suite("HTTPClient concurrency and cancellation")
struct HTTPConcurrencyTests {
    @Test func perHostBoundHolds() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .milliseconds(50)
            return response
        }
        defer { server.stop() }
        let client = makeClient(maxConcurrentPerHost: 3)
        defer { client.shutdown() }

        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<20 { group.addTask { try await client.send(.get(server.baseURL + "/item/\(i)")).status } }
            for try await status in group { #expect(status == 200) }
        }

        // Every request answered; a connection the loaded machine drops may be asked once more.
        #expect(server.requestCount >= 20)
        #expect(server.maxInFlight <= 3)
        #expect(server.maxInFlight >= 2)
    }

    @Test func cancellationStopsASlowRequestPromptly() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .seconds(60)
            return response
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let task = Task { try await client.send(.get(server.baseURL + "/slow")) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.result

        // Far below the server's 60 s, with room for a loaded machine: not a speed test.
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test func cancellationWhileWaitingForAPermit() async throws {
        let server = try LoopbackServer { request in
            var response = LoopbackResponse.json("{}")
            response.delay = request.path == "/slow" ? .seconds(6) : .zero
            return response
        }
        defer { server.stop() }
        let client = makeClient(maxConcurrentPerHost: 1)
        defer { client.shutdown() }

        let holder = Task { try await client.send(.get(server.baseURL + "/slow")) }
        try await Task.sleep(for: .milliseconds(100))
        let waiter = Task { try await client.send(.get(server.baseURL + "/queued")) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        waiter.cancel()
        let waited = await waiter.result

        #expect(ContinuousClock.now - start < .seconds(4))  // well before the holder is done (6 s), even on a loaded machine
        #expect(throws: CancellationError.self) { try waited.get() }
        #expect(try await holder.value.status == 200)
        // The permit was not leaked: a later request still gets through.
        #expect(try await client.send(.get(server.baseURL + "/after")).status == 200)
        #expect(server.requestCount == 2)
    }

    @Test func cancellationDuringBackoffSleep() async throws {
        let server = try LoopbackServer { _ in .json("{}", status: 503) }
        defer { server.stop() }
        // The real Task.sleep, so the backoff wait is interrupted by cancellation.
        let client = HTTPClient(
            configuration: .init(
                retry: RetryPolicy(baseDelay: .seconds(10), maxDelay: .seconds(10)),
                logger: Logger(label: "t", level: .error)))
        defer { client.shutdown() }

        let task = Task { try await client.send(.get(server.baseURL + "/x")) }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result

        #expect(ContinuousClock.now - start < .seconds(5))  // half the 10 s backoff, room for a loaded machine
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test func shutdownFailsRequestsInFlight() async throws {
        let server = try LoopbackServer { _ in
            var response = LoopbackResponse.json("{}")
            response.delay = .seconds(5)
            return response
        }
        defer { server.stop() }
        let client = makeClient()

        let task = Task { try await client.send(.get(server.baseURL + "/slow")) }
        try await Task.sleep(for: .milliseconds(100))
        client.shutdown()
        let error = await httpError { _ = try await task.value }

        #expect(error?.kind == .shutDown)
    }
}
