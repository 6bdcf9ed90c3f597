import Foundation
import TestKit
import Testing

@testable import Pipeline
@testable import Storage

@Suite("MetricsDatabase")
struct MetricsDatabaseTests {
    static let t0 = 1_795_400_000

    /// Points of every shape: counts with intervals, units, unsorted and duplicate tags, no tags, NaN.
    static let sample: [MetricPoint] = [
        MetricPoint(metric: "github.prs.open", value: 12, timestamp: t0, tags: ["repo:o/r", "env:prod"]),
        MetricPoint(metric: "github.prs.open", value: 3, timestamp: t0, tags: ["repo:o/other", "env:prod"]),
        MetricPoint(
            metric: "github.ci.runs", value: 40, timestamp: t0, kind: .count, tags: ["env:prod", "repo:o/r"], unit: "run",
            interval: 604_800),
        MetricPoint(
            metric: "github.ci.duration", value: 93.25, timestamp: t0 + 60, tags: ["repo:o/r", "repo:o/r"], unit: "second"),
        MetricPoint(metric: "collector.github.metric_count", value: 4, timestamp: t0 + 60),
        MetricPoint(metric: "github.code.ratio", value: .nan, timestamp: t0 + 120, tags: ["env:prod_eu"]),
        MetricPoint(metric: "github.prs.open", value: -1.5e-9, timestamp: t0 - 86_400, tags: ["repo:o/r", "env:prod"]),
    ]

    func readAll(_ db: MetricsDatabase, _ filter: PointFilter = .all, batchSize: Int = 1000) async throws -> [MetricPoint] {
        var all: [MetricPoint] = []
        for try await batch in db.points(filter: filter, batchSize: batchSize) { all += batch }
        return all
    }

    @Test("points written to a file come back equal, oldest first, tags sorted")
    func roundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/metrics.sqlite"
            try MetricsDatabase(path: path).write(Self.sample, runID: "github-1-a", pipeline: "github")
            // A new connection reads what the first wrote.
            let db = try MetricsDatabase(path: path)
            let back = try await readAll(db)
            let expected = Self.sample.map(stored).enumerated().sorted {
                ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
            }.map(\.element)
            #expect(back.count == expected.count)
            for (got, want) in zip(back, expected) { #expect(got.same(as: want), "\(got) != \(want)") }
            #expect(try db.count() == Self.sample.count)
        }
    }

    @Test("the flat points view shows the brief's columns")
    func pointsView() async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            try db.write([Self.sample[2]], runID: "r1", pipeline: "github")
            let rows = try db.database.withConnection { c in
                try c.query("SELECT run_id, pipeline, metric, type, value, timestamp, tags, unit, interval FROM points") { row in
                    (0..<9).map { row.value(at: $0) }
                }
            }
            #expect(
                rows == [
                    [
                        .text("r1"), .text("github"), .text("github.ci.runs"), .text("count"), .real(40),
                        .integer(Int64(Self.t0)),
                        .text("env:prod,repo:o/r"), .text("run"), .integer(604_800),
                    ]
                ])
        }
    }

    @Test("a retried run (same clock) updates points in place: latest value and run id, no duplicates")
    func retriedRun() async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            try db.write(Self.sample, runID: "github-1-first", pipeline: "github")
            var retried = Self.sample
            for i in retried.indices {
                retried[i].value = Double(i) * 100
                retried[i].tags.reverse()  // same tags, another order: the same key
            }
            try db.write(retried, runID: "github-1-retry", pipeline: "github")
            #expect(try db.count() == Self.sample.count)
            let back = try await readAll(db)
            #expect(Set(back.map(\.value)) == Set(retried.map(\.value)))
            let runIDs = try db.database.withConnection { c in
                try c.query("SELECT DISTINCT run_id FROM points") { $0.text(at: 0) }
            }
            #expect(runIDs == ["github-1-retry"])
            // Another pipeline's identical point is a point of its own.
            try db.write([Self.sample[0]], runID: "other-1", pipeline: "other")
            #expect(try db.count() == Self.sample.count + 1)
            #expect(try db.count(filter: PointFilter(pipeline: "other")) == 1)
        }
    }

    @Test(
        "filters: metric globs, inclusive time bounds, pipeline, and tags that must all be present",
        arguments: [
            (PointFilter(metric: "github.ci.*"), ["github.ci.duration", "github.ci.runs"]),
            (PointFilter(metric: "github.prs.?pen"), ["github.prs.open"]),
            (PointFilter(metric: "github.[cp][ir]*"), ["github.ci.duration", "github.ci.runs", "github.prs.open"]),
            (PointFilter(metric: "GITHUB.*"), []),  // GLOB is case-sensitive
            (PointFilter(metric: "*", since: t0, until: t0), ["github.ci.runs", "github.prs.open", "other.metric"]),
            (PointFilter(since: t0 + 60), ["collector.github.metric_count", "github.ci.duration", "github.code.ratio"]),
            (PointFilter(until: t0 - 1), ["github.prs.open"]),
            (PointFilter(tags: ["env:prod"]), ["github.ci.runs", "github.prs.open"]),  // not env:prod_eu
            (PointFilter(tags: ["env:prod", "repo:o/r"]), ["github.ci.runs", "github.prs.open"]),
            (PointFilter(metric: "github.prs.*", since: t0, tags: ["repo:o/other"]), ["github.prs.open"]),
            (PointFilter(tags: ["env:prod", "repo:o/missing"]), []),
            (PointFilter(pipeline: "other"), ["other.metric"]),
            (PointFilter(metric: "*", pipeline: "github", tags: ["env:prod_eu"]), ["github.code.ratio"]),
        ])
    func filters(filter: PointFilter, metrics: [String]) async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            try db.write(Self.sample, runID: "r1", pipeline: "github")
            try db.write([MetricPoint(metric: "other.metric", value: 1, timestamp: Self.t0)], runID: "r2", pipeline: "other")
            let back = try await readAll(db, filter)
            #expect(Set(back.map(\.metric)) == Set(metrics))
            #expect(try db.count(filter: filter) == back.count)
        }
    }

    @Test("the exact count of a filtered read")
    func filteredCounts() async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            try db.write(Self.sample, runID: "r1", pipeline: "github")
            #expect(try db.count(filter: PointFilter(metric: "github.prs.open")) == 3)
            #expect(try db.count(filter: PointFilter(metric: "github.prs.open", since: Self.t0)) == 2)
            #expect(try db.count(filter: PointFilter(tags: ["repo:o/r"])) == 4)
        }
    }

    @Test("reads stream in batches in timestamp order, also within one second and across writes between pages")
    func streamingBatches() async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            // 2,500 points in one second (one run's clock), then 1,000 over later seconds.
            let sameSecond = (0..<2500).map {
                MetricPoint(metric: "m.\($0 % 50)", value: Double($0), timestamp: 100, tags: ["k:\($0 / 50)"])
            }
            let later = (0..<1000).map { MetricPoint(metric: "n", value: Double($0), timestamp: 200 + $0, tags: []) }
            try db.write(later, runID: "r2", pipeline: "p")
            try db.write(sameSecond, runID: "r1", pipeline: "p")
            var sizes: [Int] = []
            var seen: [MetricPoint] = []
            var wroteBetween = false
            for try await batch in db.points(batchSize: 1000) {
                sizes.append(batch.count)
                seen += batch
                if !wroteBetween {
                    // A writer between pages neither blocks nor disturbs the read.
                    try db.write([MetricPoint(metric: "late", value: 1, timestamp: 5000)], runID: "r3", pipeline: "p")
                    wroteBetween = true
                }
            }
            #expect(sizes == [1000, 1000, 1000, 501])
            #expect(seen.map(\.timestamp) == seen.map(\.timestamp).sorted())
            #expect(Set(seen.map { "\($0.metric)|\($0.tags)|\($0.timestamp)" }).count == 3501)
            #expect(Set(seen.filter { $0.timestamp == 100 }.map(\.value)) == Set((0..<2500).map(Double.init)))

            var syncSizes: [Int] = []
            try db.forEachBatch(filter: PointFilter(metric: "m.*"), batchSize: 700) { syncSizes.append($0.count) }
            #expect(syncSizes == [700, 700, 700, 400])
            // Exactly a multiple of the batch size: no empty batch at the end.
            var exact: [Int] = []
            for try await batch in db.points(filter: PointFilter(metric: "n"), batchSize: 500) { exact.append(batch.count) }
            #expect(exact == [500, 500])
        }
    }

    @Test("an empty store or filter yields no batch")
    func empty() async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            #expect(try await readAll(db).isEmpty)
            try db.write([], runID: "r", pipeline: "p")
            #expect(try db.runs().isEmpty)
            try db.write(Self.sample, runID: "r", pipeline: "p")
            #expect(try await readAll(db, PointFilter(metric: "nothing.*")).isEmpty)
        }
    }

    @Test("runs: written points create a partial run; record replaces it")
    func runs() async throws {
        try await withTemporaryDirectory { dir in
            let db = try MetricsDatabase(path: dir + "/metrics.sqlite")
            try db.write(Self.sample, runID: "github-1-a", pipeline: "github")
            let created = try #require(try db.run(id: "github-1-a"))
            #expect(created.status == .partial)
            #expect(created.endedAt == nil)
            let done = RunRecord(
                runID: "github-1-a", pipeline: "github", startedAt: 1000.5, endedAt: 1012.25, status: .ok, errorCount: 0,
                metricCount: 7)
            try db.record(done)
            try db.record(RunRecord(runID: "github-2-b", pipeline: "github", startedAt: 2000, status: .failed, errorCount: 3))
            try db.record(RunRecord(runID: "other-1", pipeline: "other", startedAt: 3000))
            #expect(try db.run(id: "github-1-a") == done)
            #expect(try db.runs(pipeline: "github").map(\.runID) == ["github-2-b", "github-1-a"])
            #expect(try db.runs().count == 3)
            #expect(try db.run(id: "missing") == nil)
        }
    }

    @Test("read-only: an existing store opens; a missing file or a file without the schema is a clear error")
    func readOnly() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/metrics.sqlite"
            let missing = try #require(sqliteError { _ = try MetricsDatabase(path: path, readOnly: true) })
            #expect(missing.description.hasPrefix("\(path): cannot open: unable to open database file"))
            try MetricsDatabase(path: path).write(Self.sample, runID: "r", pipeline: "p")
            let db = try MetricsDatabase(path: path, readOnly: true)
            #expect(try db.count() == Self.sample.count)
            #expect(throws: SQLiteError.self) { try db.write(Self.sample, runID: "r", pipeline: "p") }

            let blank = dir + "/blank.sqlite"
            try SQLiteDatabase(path: blank).execute("CREATE TABLE x (y)")
            let noSchema = try #require(sqliteError { _ = try MetricsDatabase(path: blank, readOnly: true) })
            #expect(noSchema.description == "\(blank): cannot read: the file has no metrics schema; is this the right file?")
        }
    }

    @Test("the default path: $PIPELINE_DB, else metrics.sqlite")
    func defaultPath() {
        #expect(MetricsDatabase.defaultPath(environment: ["PIPELINE_DB": "/data/m.sqlite"]) == "/data/m.sqlite")
        #expect(MetricsDatabase.defaultPath(environment: ["PIPELINE_DB": ""]) == "metrics.sqlite")
        #expect(MetricsDatabase.defaultPath(environment: [:]) == "metrics.sqlite")
    }

    @Test("a damaged metrics file fails to open with a corruption error")
    func corrupted() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/metrics.sqlite"
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
            let error = try #require(sqliteError { _ = try MetricsDatabase(path: path) })
            #expect(error.isCorruption)
            #expect(
                error.description
                    == "\(path): cannot open: file is not a database; the file is damaged or is not an SQLite database; move it aside and start a new one"
            )
        }
    }
}
