import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Testing

@Suite("Datadog delivery: answers and retries")
struct DatadogDeliveryTests {
    @Test("a delivery sends DD-API-KEY, JSON and gzip, and empties the outbox")
    func delivers() async throws {
        let bed = try DatadogTestbed()
        let points =
            ddGauges(3) + [
                MetricPoint(
                    metric: "test.count", value: 4, timestamp: ddNow, kind: .count, unit: "commit", interval: 900)
            ]
        let error = await bed.run(bed.sink(), points)
        #expect(error == nil)
        let request = try #require(bed.fake.requests.first)
        #expect(request.authenticated)
        #expect(request.contentEncoding == "gzip")
        #expect(request.contentType == "application/json")
        #expect(bed.fake.receivedExactlyOnce(points))
        let count = try #require(bed.fake.receivedPoints.first { $0.metric == "test.count" })
        #expect(count.type == 1 && count.interval == 900 && count.unit == "commit")
        #expect(
            bed.fake.receivedPoints.filter { $0.metric == "test.gauge" }.allSatisfy { $0.type == 3 && $0.unit == nil })
        #expect(try bed.queued() == 0)
    }

    @Test("nothing to send: no request, no error")
    func empty() async throws {
        let bed = try DatadogTestbed()
        #expect(await bed.run(bed.sink(), []) == nil)
        #expect(bed.fake.requestCount == 0)
    }

    @Test("403 stops the run at once with a message that says what to check")
    func forbidden() async throws {
        let bed = try DatadogTestbed()
        let points = ddGauges(30)
        let limits = DatadogLimits(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 10)
        let error = try #require(
            await bed.run(bed.sink(bed.configuration(apiKey: "not-the-key", limits: limits)), points))
        #expect(error.message.hasPrefix("Datadog rejected the API key (403): check DD_API_KEY and DD_SITE"))
        #expect(error.message.contains("30 points wait in the outbox"))
        #expect(bed.fake.requestCount == 1)
        #expect(bed.sleeps.all.isEmpty)
        #expect(try bed.queued() == 30)
    }

    @Test("429 with Retry-After, then success")
    func throttledThenAccepted() async throws {
        let bed = try DatadogTestbed()
        bed.fake.throttle(times: 2, retryAfter: 3, rateLimitReset: 3)
        let points = ddGauges(10)
        #expect(await bed.run(bed.sink(), points) == nil)
        #expect(bed.fake.requests.map(\.status) == [429, 429, 202])
        #expect(bed.sleeps.all == [.seconds(3), .seconds(3)])
        #expect(bed.fake.receivedExactlyOnce(points))
    }

    /// Datadog sends `X-RateLimit-Reset` as the seconds until the reset (GitHub: epoch seconds).
    @Test("429 with only X-RateLimit-Reset (seconds until the reset) waits until the reset")
    func rateLimitResetOnly() async throws {
        let bed = try DatadogTestbed()
        bed.fake.throttle(times: 1, retryAfter: nil, rateLimitReset: 5)
        let points = ddGauges(3)
        #expect(await bed.run(bed.sink(), points) == nil)
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(bed.sleeps.all.count == 1)
        #expect(bed.sleeps.all.first.map { $0 >= .seconds(5) && $0 <= .seconds(7) } == true)
    }

    @Test(
        "5xx and dropped connections are retried with backoff, then the points go",
        arguments: [
            FakeDatadog.Fault.status(500), .status(502), .status(503), .status(504), .status(408), .dropConnection,
        ])
    func transientFailures(fault: FakeDatadog.Fault) async throws {
        let bed = try DatadogTestbed()
        bed.fake.inject(fault, times: 3)
        let points = ddGauges(10)
        let error = await bed.run(bed.sink(), points)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(bed.fake.requestCount == 4)
        #expect(bed.sleeps.all.count == 3)
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(try bed.queued() == 0)
    }

    @Test("an outage longer than retry_for stops the run within the budget; the points stay queued")
    func retryBudgetInVirtualTime() async throws {
        let bed = try DatadogTestbed()
        bed.fake.fail(status: 503, times: 10_000)
        let points = ddGauges(50)
        let limits = DatadogLimits(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 10)
        let error = try #require(
            await bed.run(bed.sink(bed.configuration(retryFor: .seconds(30), limits: limits)), points))
        #expect(bed.sleeps.total <= .seconds(30))
        #expect(bed.sleeps.all.count >= 3)
        #expect(error.message.contains("503"), "\(error.message)")
        #expect(error.message.contains("50 points wait in the outbox"), "\(error.message)")
        // One batch was tried; after the budget, the others were not.
        #expect(bed.fake.requestCount == bed.sleeps.all.count + 1)
        #expect(try bed.queued() == 50)
    }

    @Test("the retry budget spans the run: batches that each recover still share one retry_for")
    func retryBudgetSpansBatches() async throws {
        let bed = try DatadogTestbed()
        // Batch 1: two 429s (Retry-After 30 s each), then accepted. Batch 2: the same, but the
        // second wait would bring the run's total to 120 s, past retry_for (100 s). (Time spent
        // failing counts the attempts' wall time too: the 10 s of slack absorb a loaded machine.)
        bed.fake.throttle(times: 2, retryAfter: 30, rateLimitReset: nil)
        bed.fake.inject(.pass)
        bed.fake.throttle(times: 2, retryAfter: 30, rateLimitReset: nil)
        let points = ddGauges(30)
        let limits = DatadogLimits(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 10)
        let error = try #require(
            await bed.run(bed.sink(bed.configuration(retryFor: .seconds(100), limits: limits)), points))
        #expect(bed.sleeps.all == [.seconds(30), .seconds(30), .seconds(30)])
        #expect(bed.fake.requests.map(\.status) == [429, 429, 202, 429, 429])
        #expect(error.message.contains("retry_for (100s)"), "\(error.message)")
        #expect(error.message.contains("20 points wait in the outbox"), "\(error.message)")
        #expect(try bed.queued() == 20)
    }

    /// Wall-time bounds carry slack for a loaded 2-core machine (tests run in parallel); without
    /// the budget these runs would last minutes (1,000 attempts), or 30 s per hanging attempt.
    @Test("a real outage (connections dropped) ends within retry_for plus one attempt, in wall time")
    func retryBudgetInWallTime() async throws {
        let bed = try DatadogTestbed(
            retry: RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(300)), realSleep: true)
        bed.fake.isDown = true
        let points = ddGauges(20)
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(
            await bed.run(bed.sink(bed.configuration(retryFor: .seconds(4), requestTimeout: .seconds(2))), points))
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(4) + .seconds(2) + .seconds(6), "took \(elapsed)")
        // Retried as long as the budget allowed: on a loaded machine, attempts (which count
        // against retry_for from the first failing one) may be few, and the server may not see all.
        #expect(bed.fake.requestCount >= 1)
        #expect(
            error.message.contains("retry_for") || error.message.contains("Datadog did not take the points"),
            "\(error.message)")
        #expect(try bed.queued() == 20)
    }

    @Test("an intake that hangs is cut by the attempt timeout and the budget")
    func hangingIntake() async throws {
        let bed = try DatadogTestbed(
            retry: RetryPolicy(baseDelay: .milliseconds(50), maxDelay: .milliseconds(100)), realSleep: true)
        bed.fake.delay = .seconds(30)
        let clock = ContinuousClock()
        let start = clock.now
        let error = await bed.run(
            bed.sink(bed.configuration(retryFor: .milliseconds(800), requestTimeout: .milliseconds(400))), ddGauges(5))
        #expect(error != nil)
        #expect(clock.now - start < .seconds(8), "took \(clock.now - start)")
        #expect(try bed.queued() == 5)
    }

    @Test("a Retry-After longer than retry_for fails at once instead of sleeping through the run")
    func longRetryAfter() async throws {
        let bed = try DatadogTestbed()
        bed.fake.throttle(times: 1, retryAfter: 600, rateLimitReset: 600)
        let error = try #require(await bed.run(bed.sink(), ddGauges(5)))
        #expect(bed.sleeps.all.isEmpty)
        #expect(error.message.contains("rate limit"), "\(error.message)")
        #expect(try bed.queued() == 5)
    }

    @Test("points older than an hour are held back with a clear warning unless historical: true")
    func historicalGuard() async throws {
        let bed = try DatadogTestbed()
        bed.logLevel = .warning
        let old = ddGauges(5, metric: "test.old", timestamp: ddNow - 2 * 3600)
        let recent = ddGauges(5, metric: "test.recent", timestamp: ddNow - 30 * 60)
        let future = ddGauges(2, metric: "test.future", timestamp: ddNow + 3600)
        let log = await ddCapturingStandardError {
            let error = await bed.run(bed.sink(), old + recent + future)
            #expect(error == nil, "held-back points are not a delivery failure: \(error?.message ?? "")")
        }
        #expect(bed.fake.receivedExactlyOnce(recent))
        #expect(try bed.queued() == 7)
        #expect(log.contains("held back 5 points older than an hour"), "\(log)")
        #expect(log.contains("test.old"))
        #expect(log.contains("Historical Metrics Ingestion"))
        #expect(log.contains("\"historical\": true"))
        #expect(log.contains("held back 2 points more than ten minutes in the future"))

        // Once historical ingestion is enabled, the next run sends the old ones (the future ones still wait).
        let error = await bed.run(bed.sink(bed.configuration(historical: true)), [])
        #expect(error == nil)
        #expect(bed.fake.receivedExactlyOnce(recent + old))
        #expect(try bed.queued() == 2)

        // And when their time comes, the future ones go.
        #expect(await bed.run(bed.sink(bed.configuration(wallClock: ddNow + 3600)), []) == nil)
        #expect(bed.fake.receivedExactlyOnce(recent + old + future))
        #expect(try bed.queued() == 0)
    }

    @Test("points with a metric name Datadog would rewrite are dropped and fail the run; NaN is dropped with a warning")
    func invalidPoints() async throws {
        let bed = try DatadogTestbed()
        let good = ddGauges(3)
        let bad = [MetricPoint(metric: "ci.build-time", value: 1, timestamp: ddNow)]
        let nan = [
            MetricPoint(metric: "test.ratio", value: .nan, timestamp: ddNow),
            MetricPoint(metric: "test.ratio", value: .infinity, timestamp: ddNow),
        ]
        let error = try #require(await bed.run(bed.sink(), good + bad + nan))
        #expect(
            error.message.contains("dropped 1 points of 1 metrics whose names Datadog would rewrite"),
            "\(error.message)")
        #expect(error.message.contains("use \"ci.build_time\""))
        #expect(bed.fake.receivedExactlyOnce(good))
        #expect(try bed.queued() == 0)
    }

    @Test("deflate and none reach the intake too", arguments: [DatadogCompression.deflate, .none])
    func otherCompressions(compression: DatadogCompression) async throws {
        let bed = try DatadogTestbed()
        let points = ddGauges(100)
        #expect(await bed.run(bed.sink(bed.configuration(compression: compression)), points) == nil)
        #expect(bed.fake.requests.first?.contentEncoding == compression.contentEncoding)
        #expect(bed.fake.receivedExactlyOnce(points))
    }

    @Test("validateKey: ok, invalid (403), error (unreachable)")
    func validateKey() async throws {
        let bed = try DatadogTestbed()
        let endpoint = DatadogEndpoint(baseURL: bed.fake.baseURL)
        #expect(
            await DatadogClient(endpoint: endpoint, apiKey: FakeDatadog.defaultAPIKey, http: bed.http).validateKey()
                == .ok)
        let invalid = await DatadogClient(endpoint: endpoint, apiKey: "wrong", http: bed.http).validateKey()
        #expect(invalid == .invalid("Datadog rejected the API key (403): check DD_API_KEY and DD_SITE"))
        #expect(bed.fake.validateRequestCount == 2)
        bed.fake.stop()
        let unreachable = await DatadogClient(
            endpoint: endpoint, apiKey: "k",
            http: HTTPClient(
                configuration: .init(
                    connectTimeout: .seconds(1), retry: .none, logger: Logger(label: "http", level: .error)))
        ).validateKey()
        guard case .error(let message) = unreachable else {
            Issue.record("expected an error, got \(unreachable)")
            return
        }
        #expect(message.contains("/api/v1/validate"), "\(message)")
    }

    @Test("the API key appears in no error and no log line, whatever goes wrong")
    func keyNeverLeaks() async throws {
        let secret = "SECRET-dd-key-7f3a9c2e41b0"
        let bed = try DatadogTestbed()
        let fake = try FakeDatadog(apiKey: secret)
        var errors: [String] = []
        // Labelled with the stage's name, as the executor labels a stage's logger.
        let logger = Logger(label: "to_datadog", level: .debug)
        let sleeps = DDSleeps()
        let http = HTTPClient(
            configuration: .init(sleep: sleeps.function, logger: Logger(label: "http", level: .debug)))
        defer { http.shutdown() }
        let context = StageContext(
            stage: "to_datadog",
            run: RunFacts(pipeline: "github", id: "test-run", now: Double(ddNow), startedAt: Double(ddNow), tags: []),
            logger: logger, services: StageServices(http: http))
        let log = await ddCapturingStandardError {
            let configuration = DatadogSink.Configuration(
                endpoint: DatadogEndpoint(baseURL: fake.baseURL), apiKey: secret, statePath: bed.state.database,
                retryFor: .seconds(5),
                limits: .init(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 5),
                wallClock: { Double(ddNow) })
            let sink = DatadogSink(configuration: configuration)
            fake.inject(.status(503), times: 2)
            fake.inject(.status(400))
            fake.inject(.dropConnection, times: 2)
            fake.throttle(times: 1)
            fake.fail(status: 500, times: 1_000)
            do {
                try await sink.deliver(ddGauges(20) + ddGauges(1, timestamp: ddNow - 7200), context: context)
            } catch {
                errors.append("\(error)")
            }
            let wrongKey = DatadogSink(
                configuration: DatadogSink.Configuration(
                    endpoint: DatadogEndpoint(baseURL: bed.fake.baseURL), apiKey: secret, statePath: bed.state.database,
                    wallClock: { Double(ddNow) }))
            do {
                try await wrongKey.deliver(ddGauges(3), context: context)
            } catch {
                errors.append("\(error)")
            }
            let client = DatadogClient(endpoint: DatadogEndpoint(baseURL: bed.fake.baseURL), apiKey: secret, http: http)
            errors.append("\(await client.validateKey())")
            errors.append("\(client)")
        }
        #expect(errors.count == 4)
        #expect(errors[1].contains("Datadog rejected the API key (403)"))
        #expect(log.contains(": to_datadog: "), "the sink logged nothing: \(log)")
        #expect(!log.contains("to_datadog: to_datadog:"), "the stage's name repeated: \(log)")
        #expect(log.contains("retrying in"), "the client logged no retry: \(log)")
        for text in errors + [log] {
            #expect(!text.contains(secret), "leaked in: \(text)")
            #expect(!text.contains("7f3a9c2e41b0"), "leaked in: \(text)")
        }
    }

    @Test("without an API key the points stay queued and the run fails saying so; with one they go")
    func noKey() async throws {
        let bed = try DatadogTestbed()
        let points = ddGauges(4)
        let error = try #require(await bed.run(bed.sink(bed.configuration(apiKey: nil)), points))
        #expect(error.message.hasPrefix("no Datadog API key: set DD_API_KEY"))
        #expect(error.message.contains("4 points wait in the outbox"))
        #expect(bed.fake.requestCount == 0)
        #expect(await bed.run(bed.sink(), []) == nil)
        #expect(bed.fake.receivedExactlyOnce(points))
    }
}
