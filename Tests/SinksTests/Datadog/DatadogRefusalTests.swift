import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Storage
import Testing

/// Datadog answers 400 to a whole request when it cannot take one of its points, without saying
/// which: the sink splits the batch to find those points, sets them aside, and delivers the rest.
@Suite("Datadog delivery: points Datadog refuses")
struct DatadogRefusalTests {
    static let batchOfTen = DatadogLimits(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 10)

    /// The rows of the state file's table of refused points: "metric@timestamp tags → reason".
    static func refusedRows(_ bed: DatadogTestbed) throws -> [String] {
        let database = try SQLiteDatabase(path: bed.state.database)
        return try database.withConnection { connection in
            try connection.query("SELECT metric, timestamp, tags, reason, destination FROM outbox_refused ORDER BY id") {
                "\($0.text(at: 0))@\($0.int64(at: 1)) \($0.text(at: 2)) → \($0.text(at: 3)) [\($0.text(at: 4))]"
            }
        }
    }

    @Test("a 400 splits the batch until the refused points are found; the rest is delivered and they are set aside")
    func bisectsAndSetsAside() async throws {
        let bed = try DatadogTestbed()
        bed.fake.refuse(message: "Bad Request: value out of range") { $0.tags.contains("i:7") || $0.tags.contains("i:23") }
        let points = ddGauges(30)
        let error = try #require(await bed.run(bed.sink(bed.configuration(limits: Self.batchOfTen)), points))

        let good = points.filter { !$0.tags.contains("i:7") && !$0.tags.contains("i:23") }
        #expect(bed.fake.receivedExactlyOnce(good), "every point Datadog takes is delivered")
        #expect(try bed.queued() == 0, "nothing is left to block the outbox")
        let rows = try Self.refusedRows(bed)
        #expect(rows.count == 2, "\(rows)")
        #expect(rows.allSatisfy { $0.hasPrefix("test.gauge@\(ddNow)") && $0.contains("value out of range") }, "\(rows)")
        #expect(rows.allSatisfy { $0.hasSuffix("[datadog:\(bed.fake.baseURL)]") }, "\(rows)")

        // The error names what was refused (metric and time), where it went, and what to do.
        let time = Timestamp.format(Double(ddNow))
        #expect(error.message.contains("Datadog refused 2 points"), "\(error.message)")
        #expect(error.message.contains("test.gauge at \(time)"), "\(error.message)")
        #expect(error.message.contains("value out of range"), "\(error.message)")
        #expect(error.message.contains("set aside"), "\(error.message)")
        #expect(error.message.contains("pipeline outbox"), "\(error.message)")
        #expect(!error.message.contains("wait in the outbox"), "\(error.message)")
        #expect(!error.message.contains(FakeDatadog.defaultAPIKey))
        let file = try Data(contentsOf: URL(fileURLWithPath: bed.state.database))
        #expect(file.range(of: Data(FakeDatadog.defaultAPIKey.utf8)) == nil, "the key is not in the state file")

        // The next run does not try them again: its own points go, and the refused ones stay aside.
        let before = bed.fake.seriesRequestCount
        let next = ddGauges(5, metric: "test.next")
        let second = await bed.run(bed.sink(bed.configuration(limits: Self.batchOfTen)), next)
        #expect(second == nil, "\(second?.message ?? "")")
        #expect(bed.fake.seriesRequestCount == before + 1)
        #expect(bed.fake.receivedExactlyOnce(good + next))
        #expect(try Self.refusedRows(bed).count == 2)
    }

    @Test("new points queued after a refused one are delivered in the same run, not held behind it")
    func refusedPointDoesNotBlockBacklog() async throws {
        let bed = try DatadogTestbed()
        // A run leaves a backlog (the intake is down), one of whose points Datadog will refuse.
        bed.fake.isDown = true
        let backlog = ddGauges(10, metric: "test.backlog", timestamp: ddNow - 600)
        _ = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(1), limits: Self.batchOfTen)), backlog)
        #expect(try bed.queued() == 10)
        bed.fake.isDown = false
        bed.fake.refuse { $0.metric == "test.backlog" && $0.tags.contains("i:4") }

        // The next runs: every point but the refused one arrives at once.
        for run in 0..<3 {
            let fresh = ddGauges(6, metric: "test.run\(run)")
            _ = await bed.run(bed.sink(bed.configuration(limits: Self.batchOfTen)), fresh)
            #expect(bed.fake.series.keys.filter { $0.metric == "test.run\(run)" }.count == 6, "run \(run)")
            #expect(try bed.queued() == 0, "run \(run)")
        }
        #expect(bed.fake.series.keys.filter { $0.metric == "test.backlog" }.count == 9)
        #expect(try Self.refusedRows(bed).count == 1)
    }

    @Test("a 400 to every request sets nothing aside: it is not about particular points, and they stay queued")
    func everythingRefused() async throws {
        let bed = try DatadogTestbed()
        bed.fake.refuse(message: "Bad Request: cannot parse payload") { _ in true }
        let points = ddGauges(30)
        let error = try #require(await bed.run(bed.sink(bed.configuration(limits: Self.batchOfTen)), points))
        #expect(try bed.queued() == 30)
        #expect(try Self.refusedRows(bed).isEmpty)
        #expect(error.message.contains("cannot parse payload"), "\(error.message)")
        #expect(error.message.contains("refused every request"), "\(error.message)")
        #expect(error.message.contains("30 points wait in the outbox"), "\(error.message)")
        #expect(bed.fake.seriesRequestCount <= 200, "bisecting is bounded: \(bed.fake.seriesRequestCount)")
    }

    @Test("a single 400 that was not about the points: the halves go through and nothing is set aside")
    func transientBadRequest() async throws {
        let bed = try DatadogTestbed()
        bed.fake.inject(.status(400))
        let points = ddGauges(30)
        let error = await bed.run(bed.sink(bed.configuration(limits: Self.batchOfTen)), points)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(bed.fake.requests.map(\.status) == [400, 202, 202, 202, 202])
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(bed.sleeps.all.isEmpty, "a 400 is not retried as such")
        #expect(try Self.refusedRows(bed).isEmpty)
    }

    @Test("without the outbox (a replay), refused points are reported and the rest is delivered")
    func directDelivery() async throws {
        let bed = try DatadogTestbed()
        bed.fake.refuse { $0.tags.contains("i:3") }
        var configuration = bed.configuration(limits: Self.batchOfTen)
        configuration.usesOutbox = false
        let points = ddGauges(20)
        let error = try #require(await bed.run(bed.sink(configuration), points))
        #expect(bed.fake.receivedExactlyOnce(points.filter { !$0.tags.contains("i:3") }))
        #expect(error.message.contains("Datadog refused 1 points"), "\(error.message)")
        #expect(error.message.contains("test.gauge at"), "\(error.message)")
    }
}
