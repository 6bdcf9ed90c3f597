import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Storage
import Testing

@Suite("Datadog delivery: the outbox")
struct DatadogOutboxTests {
    @Test(
        "intake down for one run: the sink throws and keeps the points; next run sends the backlog first, each point once"
    )
    func outageThenRecovery() async throws {
        let bed = try DatadogTestbed()
        let first = ddGauges(1_500, metric: "test.run", timestamp: ddNow - 900)
        bed.fake.isDown = true
        let error = try #require(await bed.run(bed.sink(bed.configuration(retryFor: .seconds(5))), first))
        #expect(error.message.contains("1500 points wait in the outbox"), "\(error.message)")
        #expect(bed.fake.series.isEmpty)
        #expect(try bed.queued() == 1_500)

        bed.fake.isDown = false
        let second = ddGauges(1_500, metric: "test.run", timestamp: ddNow)
        let limits = DatadogLimits(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 1_000)
        #expect(await bed.run(bed.sink(bed.configuration(limits: limits)), second) == nil)
        #expect(bed.fake.receivedExactlyOnce(first + second))
        // The backlog went first: every point of the first run arrived before any of the second.
        let order = bed.fake.receivedPoints.map(\.timestamp)
        #expect(order.prefix(1_500).allSatisfy { $0 == Int64(ddNow - 900) })
        #expect(order.suffix(1_500).allSatisfy { $0 == Int64(ddNow) })
        #expect(try bed.queued() == 0)
    }

    /// The fake sits on a port outside the kernel's ephemeral range, so that while it is stopped no
    /// other test's fake (bound to port 0) can take its place, and has its own key.
    @Test("intake stopped (connection refused) for a run, then back on the same port")
    func stoppedThenRestarted() async throws {
        let bed = try DatadogTestbed()
        let key = "restart-test-key-\(UInt32.random(in: 0...UInt32.max))"
        var first: FakeDatadog?
        for _ in 0..<50 where first == nil {
            first = try? FakeDatadog(apiKey: key, port: UInt16.random(in: 20_000..<30_000))
        }
        let fake = try #require(first)
        let port = fake.port
        // Sleeps are virtual; a long retry_for keeps a starved machine from cutting the wall-time deadline.
        var configuration = bed.configuration(apiKey: key, retryFor: .seconds(30))
        configuration.endpoint = DatadogEndpoint(baseURL: fake.baseURL)
        fake.stop()
        let points = ddGauges(40)
        let error = try #require(await bed.run(bed.sink(configuration), points))
        #expect(error.message.contains("connection refused"), "\(error.message)")
        #expect(try bed.queued(destination: configuration.endpoint.outboxDestination) == 40)

        let revived = try FakeDatadog(apiKey: key, port: port)
        #expect(await bed.run(bed.sink(configuration), []) == nil)
        #expect(revived.receivedExactlyOnce(points))
        #expect(try bed.queued(destination: configuration.endpoint.outboxDestination) == 0)
    }

    @Test("a failure in the middle keeps exactly what Datadog did not accept")
    func partialFailure() async throws {
        let bed = try DatadogTestbed()
        let points = ddGauges(50)
        let limits = DatadogLimits(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 10)
        // Two batches go, then the intake fails for good.
        bed.fake.inject(.pass, times: 2)
        bed.fake.fail(status: 503, times: 10_000)
        let error = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(30), limits: limits)), points)
        #expect(error != nil)
        #expect(bed.fake.series.count == 20)
        #expect(try bed.queued() == 30)
        let queued = try bed.outbox().pending(
            pipeline: bed.pipeline, destination: "datadog:" + bed.fake.baseURL, limit: 100)
        let delivered = Set(bed.fake.series.keys)
        #expect(queued.count == 30)
        #expect(
            queued.allSatisfy {
                !delivered.contains(
                    FakeDatadog.PointKey(
                        metric: $0.point.metric, tags: $0.point.tags, timestamp: Int64($0.point.timestamp)))
            })
    }

    @Test("a re-send after a crash between 202 and removal carries identical points, which Datadog stores once")
    func resendIsIdempotent() async throws {
        let bed = try DatadogTestbed()
        let points = ddGauges(200, value: { Double($0) * 1.5 })
        #expect(await bed.run(bed.sink(), points) == nil)
        let stored = bed.fake.values
        #expect(try bed.queued() == 0)

        // kill -9 after the 202 but before the removal committed: the rows are still there, as
        // enqueued. Enqueueing the same points again is what the crashed run leaves behind.
        let destination = "datadog:" + bed.fake.baseURL
        let canonical = points.map { point -> MetricPoint in
            var point = point
            point.tags = DatadogPayload.canonicalTags(point.tags)
            return point
        }
        try bed.outbox().enqueue(canonical, pipeline: bed.pipeline, destination: destination)
        try bed.outbox().enqueue(canonical, pipeline: bed.pipeline, destination: destination)
        #expect(try bed.queued() == 200, "the outbox holds one row per series and timestamp")

        #expect(await bed.run(bed.sink(), []) == nil)
        #expect(bed.fake.series.values.allSatisfy { $0 == 2 }, "each point arrived twice")
        #expect(bed.fake.values == stored, "with identical values: Datadog's last write changes nothing")
        #expect(Set(bed.fake.receivedPoints.prefix(200)) == Set(bed.fake.receivedPoints.suffix(200)))
        #expect(try bed.queued() == 0)
    }

    @Test("a point enqueued again before delivery is sent once, with its latest value")
    func upsertBeforeDelivery() async throws {
        let bed = try DatadogTestbed()
        bed.fake.isDown = true
        _ = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(1))), ddGauges(10, value: { _ in 1 }))
        bed.fake.isDown = false
        let again = ddGauges(10, value: { _ in 2 })
        #expect(await bed.run(bed.sink(), again) == nil)
        #expect(bed.fake.receivedExactlyOnce(again))
        #expect(bed.fake.values.values.allSatisfy { $0 == 2 })
    }

    @Test("pipelines and endpoints have separate outboxes")
    func separateQueues() async throws {
        let bed = try DatadogTestbed()
        let other = try FakeDatadog()
        bed.fake.isDown = true
        _ = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(1))), ddGauges(5, metric: "test.a"))
        #expect(try bed.queued() == 5)

        // Another pipeline on the same state file and endpoint does not send github's points.
        bed.pipeline = "other"
        bed.fake.isDown = false
        #expect(await bed.run(bed.sink(), ddGauges(3, metric: "test.b")) == nil)
        #expect(bed.fake.series.keys.allSatisfy { $0.metric == "test.b" })

        // The same pipeline pointed at another endpoint does not send them either.
        bed.pipeline = "github"
        var configuration = bed.configuration()
        configuration.endpoint = DatadogEndpoint(baseURL: other.baseURL)
        #expect(await bed.run(bed.sink(configuration), ddGauges(2, metric: "test.c")) == nil)
        #expect(other.series.keys.allSatisfy { $0.metric == "test.c" })
        #expect(try bed.queued() == 5)
    }

    @Test("an outbox that cannot be opened: points are still sent, and the run fails saying they were unprotected")
    func outboxUnavailable() async throws {
        let bed = try DatadogTestbed()
        var configuration = bed.configuration()
        configuration.statePath = "/proc/no-such-dir/state.sqlite"
        let points = ddGauges(25)
        let error = try #require(await bed.run(bed.sink(configuration), points))
        #expect(error.message.contains("cannot open the outbox at /proc/no-such-dir/state.sqlite"), "\(error.message)")
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(!error.message.contains("could not be kept"), "nothing was lost: \(error.message)")

        bed.fake.isDown = true
        let down = try #require(
            await bed.run(
                bed.sink(
                    DatadogSink.Configuration(
                        endpoint: configuration.endpoint, apiKey: configuration.apiKey,
                        statePath: configuration.statePath,
                        retryFor: .seconds(1), wallClock: configuration.wallClock)), points))
        #expect(down.message.contains("25 points could not be kept and are lost"), "\(down.message)")
    }

    @Test("a damaged state file is set aside, a fresh outbox started, and the run fails naming the old file")
    func damagedStateFile() async throws {
        let bed = try DatadogTestbed()
        try Data(repeating: 0x42, count: 8_192).write(to: URL(fileURLWithPath: bed.state.database))
        let points = ddGauges(12)
        let error = try #require(await bed.run(bed.sink(), points))
        #expect(error.message.contains("was damaged"), "\(error.message)")
        #expect(error.message.contains("set aside as"), "\(error.message)")
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(try bed.queued() == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: bed.state.path)
        #expect(files.contains { $0.contains("corrupt") }, "\(files)")
        // The next run is clean.
        #expect(await bed.run(bed.sink(), ddGauges(2, metric: "test.next")) == nil)
    }

    @Test("delivered, but the outbox could not be cleared: a state error (exit 1) that says the points may be re-sent")
    func deliveredButNotCleared() async throws {
        let bed = try DatadogTestbed()
        // Between the request and Datadog's 202, another process takes the state file's write
        // lock and keeps it past the busy timeout: the removal fails, as on a read-only volume.
        let holder = DDShared<SQLiteDatabase?>(nil)
        bed.fake.onSeriesRequest { [path = bed.state.database] in
            guard holder.value == nil, let database = try? SQLiteDatabase(path: path) else { return }
            try? database.execute("BEGIN IMMEDIATE")
            holder.update { $0 = database }
        }
        let points = ddGauges(5)
        let error = try #require(await bed.run(bed.sink(), points))
        #expect(error.delivered, "a state error, not a delivery failure: \(error.message)")
        #expect(
            error.message.contains("delivered 5 points, but 5 of them could not be removed from the outbox"), "\(error.message)")
        #expect(error.message.contains("the next run sends them again"), "\(error.message)")
        #expect(!error.message.contains("could not deliver"))
        #expect(bed.fake.receivedExactlyOnce(points))

        // Once the lock is gone, the next run sends them again (Datadog stores them once) and clears them.
        bed.fake.onSeriesRequest(nil)
        try holder.value?.execute("ROLLBACK")
        holder.update { $0 = nil }
        #expect(await bed.run(bed.sink(), []) == nil)
        #expect(bed.fake.series.filter { $0.key.metric == "test.gauge" }.values.allSatisfy { $0 == 2 })
        #expect(try bed.queued() == 0)
    }

    @Test("run(points:) through the executor: points and health metrics reach the intake")
    func throughTheExecutor() async throws {
        let bed = try DatadogTestbed()
        let source = StageKind.source(
            "emit_points", summary: "test points", options: NoOptions.self, example: [:], writes: .points, optionDocs: [:]
        ) { _ in EmitPoints() }
        let registry = StageRegistry([source] + SinkStages.all)
        let file = """
            {
              "name": "dd_e2e",
              "stages": {
                "gen": { "type": "emit_points" },
                "dd": { "type": "datadog", "inputs": ["gen"], "url": "\(bed.fake.baseURL)",
                        "api_key": "\(FakeDatadog.defaultAPIKey)", "state": "\(bed.state.database)" }
              }
            }
            """
        let plan = try PipelineLoader(registry: registry, variables: Variables()).load(
            Array(file.utf8), file: "dd.json")
        var executor = Executor(
            plan: plan, now: Timestamp.now().rounded(.down), logger: Logger(label: "test", level: .error),
            services: [bed.http])
        executor.runID = "dd-e2e-1"
        let report = await executor.run()
        #expect(report.exitCode == 0, "\(report.sinkFailures)")
        let metrics = Set(bed.fake.series.keys.map(\.metric))
        #expect(metrics.contains("test.emitted"))
        #expect(bed.fake.series.keys.filter { $0.metric == "test.emitted" }.count == 1_000)
        #expect(bed.fake.series.values.allSatisfy { $0 == 1 })
        let outbox = try Outbox(path: bed.state.database)
        #expect(try outbox.count(pipeline: "dd_e2e", destination: "datadog:" + bed.fake.baseURL) == 0)
    }

    struct EmitPoints: Source {
        func run(input: JSON?, output: Output, context: StageContext) async throws {
            for batch in 0..<10 {
                await output.send(
                    (0..<100).map { i in
                        .point(context.point("test.emitted", Double(i), extraTags: ["i:\(batch * 100 + i)"]))
                    })
            }
        }
    }
}
