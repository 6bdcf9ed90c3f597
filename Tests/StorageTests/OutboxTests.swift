import Foundation
import TestKit
import Testing

@testable import Pipeline
@testable import Storage

@Suite("Outbox")
struct OutboxTests {
    static func point(_ metric: String, _ value: Double, at timestamp: Int, tags: [String] = ["env:prod"]) -> MetricPoint {
        MetricPoint(metric: metric, value: value, timestamp: timestamp, tags: tags)
    }

    @Test("pending gives the oldest first (timestamp, then id), up to the limit, and pages with afterID")
    func pendingOrder() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            try outbox.enqueue(
                [Self.point("b", 1, at: 300), Self.point("a", 2, at: 100)], pipeline: "github", destination: "datadog")
            try outbox.enqueue(
                [Self.point("c", 3, at: 100), Self.point("d", 4, at: 200), Self.point("e", 5, at: 100)], pipeline: "github",
                destination: "datadog")
            let all = try outbox.pending(pipeline: "github", destination: "datadog", limit: 10)
            #expect(all.map(\.point.metric) == ["a", "c", "e", "d", "b"])
            #expect(
                all.map(\.id)
                    == all.map(\.id).sorted { a, b in
                        let ta = all.first { $0.id == a }!.point.timestamp, tb = all.first { $0.id == b }!.point.timestamp
                        return (ta, a) < (tb, b)
                    })
            let first = try outbox.pending(pipeline: "github", destination: "datadog", limit: 2)
            #expect(first.map(\.point.metric) == ["a", "c"])
            let second = try outbox.pending(pipeline: "github", destination: "datadog", limit: 2, afterID: first.last!.id)
            #expect(second.map(\.point.metric) == ["e", "d"])
            let third = try outbox.pending(pipeline: "github", destination: "datadog", limit: 2, afterID: second.last!.id)
            #expect(third.map(\.point.metric) == ["b"])
            #expect(try outbox.pending(pipeline: "github", destination: "datadog", limit: 2, afterID: third.last!.id).isEmpty)
        }
    }

    @Test("points keep their type, tags, unit and interval")
    func pointsRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            let count = MetricPoint(
                metric: "github.ci.runs", value: 7, timestamp: 10, kind: .count, tags: ["repo:o/r", "env:prod"], unit: "run",
                interval: 3600)
            try outbox.enqueue([count], pipeline: "github", destination: "datadog")
            let entry = try #require(try outbox.pending(pipeline: "github", destination: "datadog", limit: 1).first)
            #expect(entry.point == stored(count))
        }
    }

    @Test("enqueueing the same points again is idempotent: one entry each, latest value")
    func idempotent() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            let points = (0..<5).map { Self.point("m\($0)", Double($0), at: 100) }
            try outbox.enqueue(points, pipeline: "github", destination: "datadog")
            let ids = try outbox.pending(pipeline: "github", destination: "datadog", limit: 10).map(\.id)
            try outbox.enqueue(
                points.map {
                    var p = $0
                    p.value += 10
                    p.tags.reverse()
                    return p
                }, pipeline: "github", destination: "datadog")
            #expect(try outbox.count(pipeline: "github", destination: "datadog") == 5)
            let again = try outbox.pending(pipeline: "github", destination: "datadog", limit: 10)
            #expect(again.map(\.id) == ids)
            #expect(again.map(\.point.value) == [10, 11, 12, 13, 14])
        }
    }

    @Test("remove deletes delivered entries; destinations and pipelines are separate queues")
    func removeAndCount() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            let points = (0..<4).map { Self.point("m\($0)", Double($0), at: 100 + $0) }
            try outbox.enqueue(points, pipeline: "github", destination: "datadog")
            try outbox.enqueue(points, pipeline: "github", destination: "datadog-eu")
            try outbox.enqueue(points, pipeline: "jira", destination: "datadog")
            #expect(try outbox.count(pipeline: "github", destination: "datadog") == 4)
            let first = try outbox.pending(pipeline: "github", destination: "datadog", limit: 3)
            try outbox.remove(ids: first.map(\.id) + [999_999])
            #expect(try outbox.count(pipeline: "github", destination: "datadog") == 1)
            #expect(try outbox.pending(pipeline: "github", destination: "datadog", limit: 10).map(\.point.metric) == ["m3"])
            #expect(try outbox.count(pipeline: "github", destination: "datadog-eu") == 4)
            #expect(try outbox.count(pipeline: "jira", destination: "datadog") == 4)
            #expect(try outbox.count(pipeline: "none", destination: "datadog") == 0)
            try outbox.remove(ids: [])
        }
    }

    @Test("paging after an entry removed in the meantime goes on with later entries")
    func afterRemovedEntry() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            try outbox.enqueue((0..<4).map { Self.point("m\($0)", 0, at: 100 + $0) }, pipeline: "p", destination: "d")
            let page = try outbox.pending(pipeline: "p", destination: "d", limit: 2)
            try outbox.remove(ids: page.map(\.id))
            let next = try outbox.pending(pipeline: "p", destination: "d", limit: 2, afterID: page.last!.id)
            #expect(next.map(\.point.metric) == ["m2", "m3"])
        }
    }

    @Test("entries survive reopening the state file")
    func durable() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            try Outbox(path: path).enqueue([Self.point("m", 1, at: 1)], pipeline: "p", destination: "d")
            #expect(try Outbox(path: path).count(pipeline: "p", destination: "d") == 1)
        }
    }

    @Test(
        "the default path: $PIPELINE_STATE_DIR, else $XDG_STATE_HOME/pipeline, else ~/.local/state/pipeline; the directory made when opened"
    )
    func defaultPath() async throws {
        try await withTemporaryDirectory { dir in
            let explicit = Outbox.defaultPath(environment: [
                "PIPELINE_STATE_DIR": dir + "/state/", "XDG_STATE_HOME": dir + "/xdg",
            ])
            #expect(explicit == dir + "/state/state.sqlite")
            let xdg = Outbox.defaultPath(environment: ["XDG_STATE_HOME": dir + "/xdg", "HOME": dir + "/home"])
            #expect(xdg == dir + "/xdg/pipeline/state.sqlite")
            let home = Outbox.defaultPath(environment: ["HOME": dir + "/home", "PIPELINE_STATE_DIR": ""])
            #expect(home == dir + "/home/.local/state/pipeline/state.sqlite")
            // Working out the path writes nothing; opening the outbox makes its directory.
            #expect(!FileManager.default.fileExists(atPath: dir + "/home/.local"))
            _ = try Outbox(path: home)
            var isDirectory: ObjCBool = false
            #expect(
                FileManager.default.fileExists(atPath: dir + "/home/.local/state/pipeline", isDirectory: &isDirectory)
                    && isDirectory.boolValue)
        }
    }

    @Test("a state file that is not a database: a clear corruption error; setAside moves it and its -wal/-shm away")
    func garbageFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            try Data("this is not a database, it is a text file that happens to be long enough".utf8).write(
                to: URL(fileURLWithPath: path))
            let error = try #require(sqliteError { _ = try Outbox(path: path) })
            #expect(error.isCorruption)
            #expect(error.description.hasPrefix("\(path): cannot open: file is not a database; the file is damaged"))
            #expect(!error.description.contains("\n"))
            // Left-overs of a crashed writer go with it.
            try Data("wal".utf8).write(to: URL(fileURLWithPath: path + "-wal"))
            try Data("shm".utf8).write(to: URL(fileURLWithPath: path + "-shm"))

            let moved = try Outbox.setAside(path: path)
            #expect(moved.hasPrefix(path + ".corrupt-"))
            #expect(moved.range(of: #"\.corrupt-\d{8}T\d{6}Z$"#, options: .regularExpression) != nil, "\(moved)")
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(FileManager.default.fileExists(atPath: moved))
            #expect(try String(contentsOfFile: moved + "-wal", encoding: .utf8) == "wal")
            #expect(try String(contentsOfFile: moved + "-shm", encoding: .utf8) == "shm")

            // Afresh: a new, empty outbox.
            #expect(try Outbox(path: path).count(pipeline: "p", destination: "d") == 0)
            // A second set-aside in the same second gets a name of its own.
            let again = try Outbox.setAside(path: path)
            #expect(again != moved)
        }
    }

    @Test("a state file with damaged pages fails its integrity check on open")
    func damagedPages() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            do {
                let outbox = try Outbox(path: path)
                let points = (0..<3000).map { Self.point("github.metric.\($0)", Double($0), at: $0, tags: ["repo:o/r\($0)"]) }
                try outbox.enqueue(points, pipeline: "p", destination: "d")
                try outbox.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            // Overwrite pages in the middle of the file with noise, keeping the header intact.
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: size / 2)
            try handle.write(contentsOf: Data((0..<16384).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }))
            try handle.close()
            let error = try #require(sqliteError { _ = try Outbox(path: path) })
            #expect(error.isCorruption)
            #expect(error.description.hasPrefix("\(path): cannot open: "))
            _ = try Outbox.setAside(path: path)
            #expect(try Outbox(path: path).count(pipeline: "p", destination: "d") == 0)
        }
    }

    @Test("setAside of a missing file is an error naming it")
    func setAsideMissing() async throws {
        try await withTemporaryDirectory { dir in
            let error = try #require(sqliteError { _ = try Outbox.setAside(path: dir + "/none.sqlite") })
            #expect(error.description.hasPrefix("\(dir)/none.sqlite: cannot set aside: No such file or directory"))
        }
    }
}
