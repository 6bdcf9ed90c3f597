import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Testing

/// How long the sink may wait for Datadog: `retry_for` bounds the time spent on failing attempts
/// and the waits between them, whatever the attempts' own timeout.
///
/// Wall-time bounds carry wide slack for a loaded 2-core machine (other builds and tests share
/// it); what they rule out is waiting for the standard attempt timeout (60 s here), or for
/// several of them, as the sink did before.
@Suite("Datadog delivery: retry_for and stopping")
struct DatadogDeadlineTests {
    @Test("a request Datadog accepts and never answers ends within retry_for plus a small margin")
    func hungRequestEndsWithinRetryFor() async throws {
        let bed = try DatadogTestbed(
            retry: RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(300)), realSleep: true,
            requestTimeout: .seconds(60))
        bed.fake.neverAnswer()
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(await bed.run(bed.sink(bed.configuration(retryFor: .seconds(5))), ddGauges(5)))
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(5) + .seconds(10), "took \(elapsed)")
        #expect(error.message.contains("retry_for (5s)"), "\(error.message)")
        #expect(error.message.contains("5 points wait in the outbox"), "\(error.message)")
        #expect(try bed.queued() == 5)
    }

    @Test("after a quick failure, a hung retry is cut when retry_for runs out, not after its own timeout")
    func hungRetryIsCut() async throws {
        let bed = try DatadogTestbed(
            retry: RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(200)), realSleep: true,
            requestTimeout: .seconds(60))
        // Two quick 503s; then Datadog hangs.
        bed.fake.fail(status: 503, times: 2)
        bed.fake.onSeriesRequest { [fake = bed.fake] in
            if fake.requests.count >= 2 { fake.neverAnswer() }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let error = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(8))), ddGauges(5))
        let elapsed = clock.now - start
        #expect(error != nil)
        #expect(elapsed < .seconds(8) + .seconds(10), "took \(elapsed)")
        #expect(bed.fake.seriesRequestCount == 3)
        #expect(try bed.queued() == 5)
    }

    @Test("the budget's message says how long Datadog kept failing and that the next wait would overrun retry_for")
    func budgetMessageTellsTheTruth() async throws {
        let bed = try DatadogTestbed()
        bed.fake.fail(status: 503, times: 10_000)
        let error = try #require(await bed.run(bed.sink(bed.configuration(retryFor: .seconds(30))), ddGauges(5)))
        let spent = Double(bed.sleeps.total.components.seconds) + Double(bed.sleeps.total.components.attoseconds) / 1e18
        #expect(spent < 30)
        // Not "retry budget of 30s spent" after less than 30 s.
        #expect(!error.message.contains("spent"), "\(error.message)")
        #expect(error.message.contains("kept failing for \(String(format: "%.1f", spent))s"), "\(error.message)")
        #expect(error.message.contains("would overrun retry_for (30s)"), "\(error.message)")
        #expect(error.message.contains("503"), "\(error.message)")
    }
    @Test("once the run is asked to stop, a request Datadog holds is given up after stop_grace, without a retry")
    func stopGivesUpAfterGrace() async throws {
        let bed = try DatadogTestbed(
            retry: RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(200)), realSleep: true,
            requestTimeout: .seconds(60))
        bed.fake.neverAnswer()
        var configuration = bed.configuration(retryFor: .seconds(300))
        configuration.stopGrace = .seconds(1)
        let stop = StopSignal()
        var context = bed.context()
        context.stop = stop
        // SIGTERM arrives while Datadog holds the request.
        bed.fake.onSeriesRequest { stop.fire() }
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(await bed.run(bed.sink(configuration), ddGauges(5), context: context))
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(1) + .seconds(19), "took \(elapsed)")
        #expect(error.message.contains("stopped by a signal"), "\(error.message)")
        #expect(error.message.contains("stop_grace (1s)"), "\(error.message)")
        #expect(error.message.contains("5 points wait in the outbox"), "\(error.message)")
        #expect(bed.fake.seriesRequestCount == 1)
        #expect(try bed.queued() == 5)
    }

    @Test("a retry wait under way ends as soon as the run is asked to stop")
    func stopEndsRetryWait() async throws {
        let bed = try DatadogTestbed(realSleep: true)
        bed.fake.throttle(times: 1, retryAfter: 30, rateLimitReset: nil)
        let stop = StopSignal()
        var context = bed.context()
        context.stop = stop
        let clock = ContinuousClock()
        let start = clock.now
        async let outcome = bed.run(bed.sink(bed.configuration(retryFor: .seconds(300))), ddGauges(5), context: context)
        while bed.fake.seriesRequestCount == 0, clock.now - start < .seconds(30) { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        stop.fire()
        let error = try #require(await outcome)
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(15), "waited out the 30 s Retry-After: \(elapsed)")
        #expect(error.message.contains("stopped by a signal"), "\(error.message)")
        #expect(error.message.contains("no retry after it"), "\(error.message)")
        #expect(bed.fake.seriesRequestCount == 1)
        #expect(try bed.queued() == 5)
    }
}
