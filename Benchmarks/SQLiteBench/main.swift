// Metrics-store throughput: `swift run -c release SQLiteBench [points] [directory]`.
//
// Writes `points` (default 1,000,000) through `MetricsDatabase` the way the sqlite sink does
// (1,000-point transactions, one run's clock per batch), re-writes 100,000 of them as a retried
// run would (the UPSERT path), then reads everything back in timestamp order, streaming in
// batches, and once more through a selective filter. Prints points/s for each phase, with the
// CPU time next to the wall time (on a busy machine the two differ).
import Foundation
import Pipeline
import Storage

let arguments = CommandLine.arguments
let total = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let directory = arguments.count > 2 ? arguments[2] : NSTemporaryDirectory()
let path = directory + "/sqlite-bench-\(getpid()).sqlite"
defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }

/// CPU seconds (user + system) the process has used so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct Measure {
    let wall = Timestamp.now()
    let cpu = cpuSeconds()

    func report(_ label: String, _ count: Int) {
        let elapsed = Timestamp.now() - wall
        let used = cpuSeconds() - cpu
        let columns = label.padding(toLength: 34, withPad: " ", startingAt: 0)
        print(
            columns + "\(count) points in \(String(format: "%.2f", elapsed)) s (cpu \(String(format: "%.2f", used)) s): "
                + "\(Int(Double(count) / elapsed)) points/s")
    }
}

/// One batch: a run's 1,000 points, 50 metrics × 20 repositories, all at the run's clock.
let batchSize = 1000
let metrics = (0..<50).map { "bench.github.metric_\($0)" }
let repos = (0..<20).map { "repo:octo-org/repo-\($0)" }
func batch(_ run: Int) -> [MetricPoint] {
    (0..<batchSize).map { i in
        MetricPoint(
            metric: metrics[i % metrics.count], value: Double(run * batchSize + i), timestamp: 1_790_000_000 + run * 300,
            kind: i % 7 == 0 ? .count : .gauge, tags: ["env:prod", repos[i / metrics.count % repos.count], "service:bench"],
            unit: i % 3 == 0 ? "second" : nil, interval: i % 7 == 0 ? 300 : nil)
    }
}
let runs = max(1, total / batchSize)
let batches = (0..<runs).map(batch)  // built up front: time only the store
let written = runs * batchSize

let store = try MetricsDatabase(path: path)
var measure = Measure()
for (run, points) in batches.enumerated() { try store.write(points, runID: "bench-\(run)", pipeline: "bench") }
measure.report("write (1,000-point transactions)", written)

let retried = min(100, runs)
measure = Measure()
for run in 0..<retried { try store.write(batches[run], runID: "bench-retry-\(run)", pipeline: "bench") }
measure.report("re-write (UPSERT, retried runs)", retried * batchSize)
let stored = try store.count()
precondition(stored == written, "the retried runs duplicated points")

var read = 0
measure = Measure()
try store.forEachBatch(batchSize: 1000) { read += $0.count }
precondition(read == written)
measure.report("read all, sync batches of 1,000", read)

read = 0
measure = Measure()
for try await points in store.points(batchSize: 1000) { read += points.count }
measure.report("read all, AsyncSequence", read)

read = 0
measure = Measure()
try store.forEachBatch(filter: PointFilter(metric: "bench.github.metric_1*", tags: ["repo:octo-org/repo-3"])) {
    read += $0.count
}
measure.report("read filtered (glob + tag)", read)

// The outbox: a backlog of 100,000 points queued, then delivered page by page.
let statePath = directory + "/sqlite-bench-state-\(getpid()).sqlite"
defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: statePath + suffix) } }
let outbox = try Outbox(path: statePath)
let backlog = Array(batches.prefix(100).joined())
measure = Measure()
for start in stride(from: 0, to: backlog.count, by: batchSize) {
    try outbox.enqueue(Array(backlog[start..<min(start + batchSize, backlog.count)]), pipeline: "bench", destination: "datadog")
}
measure.report("outbox enqueue (1,000 per call)", backlog.count)
measure = Measure()
var delivered = 0
while true {
    let page = try outbox.pending(pipeline: "bench", destination: "datadog", limit: 1000)
    if page.isEmpty { break }
    try outbox.remove(ids: page.map(\.id))
    delivered += page.count
}
measure.report("outbox pending + remove (1,000)", delivered)

let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
print("file: \(size / 1_048_576) MiB (\(size / max(1, written)) bytes/point)")
