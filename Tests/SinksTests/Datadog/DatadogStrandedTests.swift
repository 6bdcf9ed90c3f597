import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Storage
import Testing

/// Points that no run will send until someone acts (queued for a destination the sink no longer
/// sends to, refused by Datadog, too old, in a damaged state file) are reported on every run: a
/// warning that says how many and what to do, and `collector.<pipeline>.points_stranded`.
///
/// Each test has a pipeline of its own: its warnings name it, and other tests log at the same time.
@Suite("Datadog delivery: stranded points are reported until someone acts")
struct DatadogStrandedTests {
    /// The value of `collector.<pipeline>.points_stranded{reason}` that `fake` received last.
    static func stranded(_ fake: FakeDatadog, _ reason: String, pipeline: String) -> Double? {
        fake.values.first { $0.key.metric == "collector.\(pipeline).points_stranded" && $0.key.tags == ["reason:\(reason)"] }?
            .value
    }

    /// A run of the sink as the executor makes it: `points`, then the run's health metrics.
    static func run(
        _ bed: DatadogTestbed, _ configuration: DatadogSink.Configuration, _ points: [MetricPoint] = []
    ) async -> (log: String, error: DDSinkFailure?) {
        let health = MetricPoint(metric: "collector.\(bed.pipeline).duration_seconds", value: 1, timestamp: ddNow)
        var error: DDSinkFailure?
        let log = await ddCapturingStandardError { error = await bed.run(bed.sink(configuration), points + [health]) }
        return (log, error)
    }

    @Test("points queued for an earlier DD_URL or DD_SITE are reported on every run until moved or dropped")
    func otherDestination() async throws {
        let bed = try DatadogTestbed()
        bed.logLevel = .warning
        bed.pipeline = "moved"
        let old = bed.fake
        old.isDown = true
        let backlog = ddGauges(5, metric: "test.backlog", timestamp: ddNow - 600)
        _ = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(1))), backlog)
        let oldDestination = "datadog:" + old.baseURL

        // DD_URL changed: the sink sends to another intake, and says what waits for the old one.
        let new = try FakeDatadog()
        var configuration = bed.configuration()
        configuration.endpoint = DatadogEndpoint(baseURL: new.baseURL)
        for run in 1...2 {
            new.clearFaults()
            let (log, error) = await Self.run(bed, configuration, ddGauges(2, metric: "test.run\(run)"))
            #expect(error == nil, "\(error?.message ?? "")")
            #expect(log.contains("5 points of pipeline moved wait in the outbox for \(oldDestination)"), "\(log)")
            #expect(log.contains("pipeline outbox move"), "\(log)")
            #expect(log.contains("pipeline outbox drop"), "\(log)")
            #expect(Self.stranded(new, "other_destination", pipeline: "moved") == 5)
        }
        #expect(new.series.keys.filter { $0.metric == "test.backlog" }.isEmpty, "never sent elsewhere unasked")

        // Acting (`pipeline outbox move`): the next run sends them here, and the report stops.
        try bed.outbox().move(pipeline: "moved", from: oldDestination, to: configuration.endpoint.outboxDestination)
        let (log, error) = await Self.run(bed, configuration)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(new.series.keys.filter { $0.metric == "test.backlog" }.count == 5)
        #expect(Self.stranded(new, "other_destination", pipeline: "moved") == 0)
        #expect(!log.contains("of pipeline moved wait in the outbox"), "\(log)")
    }

    @Test("points Datadog refused are reported on every later run until dropped")
    func refusedPoints() async throws {
        let bed = try DatadogTestbed()
        bed.logLevel = .warning
        bed.pipeline = "refusing"
        bed.fake.refuse { $0.tags.contains("i:1") }
        _ = await bed.run(bed.sink(), ddGauges(4))
        for _ in 1...2 {
            let (log, error) = await Self.run(bed, bed.configuration())
            #expect(error == nil, "\(error?.message ?? "")")
            #expect(log.contains("1 points of pipeline refusing that Datadog refused are set aside"), "\(log)")
            #expect(log.contains("--refused --pipeline refusing"), "\(log)")
            #expect(Self.stranded(bed.fake, "refused", pipeline: "refusing") == 1)
        }
        try bed.outbox().dropRefused(pipeline: "refusing")
        let (log, _) = await Self.run(bed, bed.configuration())
        #expect(Self.stranded(bed.fake, "refused", pipeline: "refusing") == 0)
        #expect(!log.contains("of pipeline refusing that Datadog refused"), "\(log)")
    }

    @Test("points too old to send are reported on every run with how to send or drop them")
    func tooOld() async throws {
        let bed = try DatadogTestbed()
        bed.logLevel = .warning
        bed.pipeline = "aging"
        _ = await bed.run(bed.sink(), ddGauges(3, metric: "test.aging", timestamp: ddNow - 7200))
        for _ in 1...2 {
            let (log, error) = await Self.run(bed, bed.configuration())
            #expect(error == nil, "\(error?.message ?? "")")
            #expect(log.contains("held back 3 points older than an hour"), "\(log)")
            #expect(log.contains("metrics test.aging"), "\(log)")
            #expect(log.contains("pipeline outbox drop --too-old"), "\(log)")
            #expect(Self.stranded(bed.fake, "too_old", pipeline: "aging") == 3)
        }
        #expect(try bed.queued() == 3)
        try bed.outbox().drop(pipeline: "aging", before: ddNow - Int(DatadogSink.maxPointAge))
        _ = await Self.run(bed, bed.configuration())
        #expect(Self.stranded(bed.fake, "too_old", pipeline: "aging") == 0)
        #expect(try bed.queued() == 0)
    }

    @Test("nothing stranded: the metric says 0 for each reason, and no warning")
    func nothingStranded() async throws {
        let bed = try DatadogTestbed()
        bed.logLevel = .warning
        bed.pipeline = "quiet"
        let (log, error) = await Self.run(bed, bed.configuration(), ddGauges(2))
        #expect(error == nil)
        for reason in ["other_destination", "refused", "too_old"] {
            #expect(Self.stranded(bed.fake, reason, pipeline: "quiet") == 0)
        }
        #expect(bed.fake.values.first { $0.key.metric == "collector.quiet.damaged_state_files" }?.value == 0)
        #expect(!log.contains("pipeline quiet"), "\(log)")
    }

    @Test("a damaged state file with queued points: the message says they were set aside with it, and where")
    func damagedStateFileWithQueuedPoints() async throws {
        let bed = try DatadogTestbed()
        bed.logLevel = .warning
        bed.pipeline = "damaged"
        bed.fake.isDown = true
        _ = await bed.run(bed.sink(bed.configuration(retryFor: .seconds(1))), ddGauges(12, metric: "test.queued"))
        bed.fake.isDown = false
        try DatadogStateFiles.damage(bed.state.database)

        let (log, error) = await Self.run(bed, bed.configuration(), ddGauges(2))
        let message = try #require(error?.message)
        #expect(message.contains("was damaged"), "\(message)")
        #expect(message.contains("points queued in it"), "\(message)")
        let files = try FileManager.default.contentsOfDirectory(atPath: bed.state.path)
        let setAside = try #require(
            files.first { $0.hasPrefix("state.sqlite.corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") })
        #expect(message.contains(setAside), "\(message)")
        _ = log

        // Every later run reminds, with what to do, until the file is dealt with.
        for _ in 1...2 {
            let (log, error) = await Self.run(bed, bed.configuration())
            #expect(error == nil, "\(error?.message ?? "")")
            #expect(log.contains(setAside), "\(log)")
            #expect(log.contains("pipeline outbox recover"), "\(log)")
            #expect(bed.fake.values.first { $0.key.metric == "collector.damaged.damaged_state_files" }?.value == 1)
        }
        // This file cannot be read (`pipeline outbox recover` says so): deleting it is acting too.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: bed.state.path + "/" + setAside + suffix)
        }
        let (after, _) = await Self.run(bed, bed.configuration())
        #expect(!after.contains(setAside), "\(after)")
        #expect(bed.fake.values.first { $0.key.metric == "collector.damaged.damaged_state_files" }?.value == 0)
    }
}

/// Damaging state files the way a disk or a half-copied volume does.
enum DatadogStateFiles {
    /// Overwrites the pages after the first two with garbage, leaving the header readable: SQLite
    /// opens the file and its integrity check fails.
    static func damage(_ path: String) throws {
        // Fold the WAL into the file first, so the damage lands on the data.
        func checkpoint() throws { try SQLiteDatabase(path: path).execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        try checkpoint()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        guard size > 8_192 else { return }
        try handle.seek(toOffset: 8_192)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: Int(size) - 8_192))
    }
}
