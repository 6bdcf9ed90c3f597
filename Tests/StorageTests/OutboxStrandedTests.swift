import Foundation
import TestKit
import Testing

@testable import Pipeline
@testable import Storage

/// The outbox's operations on points no run sends by itself: refused points set aside, points
/// for another destination, old points, and damaged state files.
@Suite("Outbox: refused, moved, dropped, recovered")
struct OutboxStrandedTests {
    static func points(_ count: Int, _ metric: String = "m", at timestamp: Int = 1_000) -> [MetricPoint] {
        (0..<count).map { MetricPoint(metric: metric, value: Double($0), timestamp: timestamp, tags: ["i:\($0)"]) }
    }

    @Test("setAside moves entries into outbox_refused with the reason; requeue puts them back; drop discards them")
    func refused() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            try outbox.enqueue(Self.points(5), pipeline: "p", destination: "d")
            try outbox.enqueue(Self.points(2, "other"), pipeline: "q", destination: "d")
            let queued = try outbox.pending(pipeline: "p", destination: "d", limit: 10)
            try outbox.setAside([(queued[1].id, "400 Bad Request: no"), (queued[3].id, "400 Bad Request: no")])
            #expect(try outbox.count(pipeline: "p", destination: "d") == 3)
            #expect(try outbox.refusedCount(pipeline: "p") == 2)
            #expect(try outbox.refusedCount(pipeline: "q") == 0)
            let refused = try outbox.refused(pipeline: "p")
            #expect(refused.map(\.point.tags) == [["i:1"], ["i:3"]])
            #expect(refused.allSatisfy { $0.reason == "400 Bad Request: no" && $0.destination == "d" && $0.pipeline == "p" })
            #expect(refused.first?.point.value == 1)

            #expect(try outbox.requeueRefused(pipeline: "p") == 2)
            #expect(try outbox.count(pipeline: "p", destination: "d") == 5)
            #expect(try outbox.refusedCount() == 0)

            let again = try outbox.pending(pipeline: "p", destination: "d", limit: 1)
            try outbox.setAside([(again[0].id, "x")])
            #expect(try outbox.dropRefused(pipeline: "q") == 0)
            #expect(try outbox.dropRefused() == 1)
            #expect(try outbox.refusedCount() == 0)
        }
    }

    @Test("destinations sums what waits; move re-addresses it, keeping a point already queued there; drop discards it")
    func moveAndDrop() async throws {
        try await withTemporaryDirectory { dir in
            let outbox = try Outbox(path: dir + "/state.sqlite")
            try outbox.enqueue(Self.points(4, at: 100), pipeline: "p", destination: "old")
            try outbox.enqueue(
                Self.points(1, at: 100).map {
                    var p = $0
                    p.value = 42
                    return p
                }, pipeline: "p", destination: "new")
            try outbox.enqueue(Self.points(3, at: 200), pipeline: "q", destination: "old")
            let summary = try outbox.destinations()
            #expect(summary.map { "\($0.pipeline) \($0.destination) \($0.count)" } == ["p new 1", "p old 4", "q old 3"])
            #expect(try outbox.destinations(pipeline: "q").first?.oldest == 200)

            #expect(try outbox.move(pipeline: "p", from: "old", to: "new") == 4)
            let moved = try outbox.pending(pipeline: "p", destination: "new", limit: 10)
            #expect(moved.count == 4)
            #expect(moved.first { $0.point.tags == ["i:0"] }?.point.value == 42, "the point queued there keeps its value")
            #expect(try outbox.count(pipeline: "q", destination: "old") == 3, "another pipeline's points stay")

            #expect(try outbox.count(pipeline: "q", destination: "old", before: 201) == 3)
            #expect(try outbox.count(pipeline: "q", destination: "old", before: 200) == 0)
            #expect(try outbox.drop(pipeline: "p", before: 150) == 4)
            #expect(try outbox.drop(destination: "old") == 3)
            #expect(try outbox.destinations().isEmpty)
        }
    }

    @Test("recover queues again what a set-aside state file holds; a file that cannot be read says why")
    func recover() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            do {
                let old = try Outbox(path: path)
                try old.enqueue(Self.points(30), pipeline: "p", destination: "d")
                try old.enqueue(Self.points(5, "x"), pipeline: "q", destination: "e")
            }
            let setAside = try Outbox.setAside(path: path)
            #expect(StateDatabase.setAsideFiles(besides: path) == [setAside])
            #expect(try StateDatabase.queuedPoints(inDamaged: setAside).get() == 35)
            #expect(StateDatabase.describeQueuedPoints(inSetAside: setAside).contains("the 35 points queued in it"))

            let fresh = try Outbox(path: path)
            try fresh.enqueue(
                Self.points(1).map {
                    var p = $0
                    p.value = 7
                    return p
                }, pipeline: "p", destination: "d")
            let recovery = try fresh.recover(from: setAside)
            #expect(recovery.points == 35)
            #expect(recovery.problem == nil)
            #expect(try fresh.count(pipeline: "p", destination: "d") == 30)
            #expect(try fresh.count(pipeline: "q", destination: "e") == 5)
            let kept = try fresh.pending(pipeline: "p", destination: "d", limit: 1)
            #expect(kept.first?.point.value == 7, "a point queued since keeps its value")

            let garbage = dir + "/state.sqlite.corrupt-garbage"
            try Data(repeating: 0x42, count: 8_192).write(to: URL(fileURLWithPath: garbage))
            let failed = try fresh.recover(from: garbage)
            #expect(failed.points == 0)
            #expect(failed.problem != nil)
            #expect(StateDatabase.describeQueuedPoints(inSetAside: garbage).contains("how many cannot be read"))
        }
    }
}
