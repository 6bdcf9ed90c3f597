// Replay throughput: `ReplayBench PIPELINE_BINARY [points]`.
//
// Seeds a metrics store with `points` (default 1,000,000; 50 metrics × 20 tag sets per minute
// over the last days), starts the fake Datadog intake on 127.0.0.1 in this process, and times
// `pipeline replay --db … --to datadog --historical` end to end. Checks that every point
// arrived once and every request stayed under Datadog's limits. Target: 1,000,000 in under 15 s.
import FakeDatadog
import Foundation
import Pipeline
import Storage

let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    FileHandle.standardError.write(Data("usage: ReplayBench PIPELINE_BINARY [points]\n".utf8))
    exit(2)
}
let binary = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let directory = NSTemporaryDirectory() + "replay-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

let database = try MetricsDatabase(path: directory + "/metrics.sqlite")
let start = Int(Date().timeIntervalSince1970) - 20 * 86_400
var batch: [MetricPoint] = []
for i in 0..<total {
    batch.append(
        MetricPoint(
            metric: "bench.metric_\(i % 50)", value: Double(i), timestamp: start + i / 1000 * 60,
            tags: ["source:bench", "repo:octo-org/repo-\(i / 50 % 20)"], unit: i % 2 == 0 ? "second" : nil))
    if batch.count == 10_000 {
        try database.write(batch, runID: "seed-\(i / 10_000)", pipeline: "bench")
        batch.removeAll(keepingCapacity: true)
    }
}
if !batch.isEmpty { try database.write(batch, runID: "seed-last", pipeline: "bench") }

let intake = try FakeDatadog()
let process = Process()
process.executableURL = URL(fileURLWithPath: binary)
process.arguments = ["replay", "--db", directory + "/metrics.sqlite", "--to", "datadog", "--historical", "--since", "30d"]
process.environment = [
    "DD_URL": intake.baseURL, "DD_API_KEY": FakeDatadog.defaultAPIKey, "PIPELINE_STATE_DIR": directory + "/state",
    "PIPELINE_LOG_LEVEL": "warning", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "",
]
let began = Date()
try process.run()
process.waitUntilExit()
let elapsed = Date().timeIntervalSince(began)
var usage = rusage()
getrusage(RUSAGE_CHILDREN.rawValue, &usage)

let received = intake.series.keys.filter { $0.metric.hasPrefix("bench.") }.count
print("replay of \(total) points to the fake Datadog intake on loopback")
print("  wall time: \(String(format: "%.2f", elapsed)) s (\(Int(Double(total) / elapsed)) points/s; target < 15 s for 1,000,000)")
let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
print(
    "  pipeline: \(String(format: "%.2f", cpu)) s of CPU (the intake, in this process, shares the 2 cores); peak RSS \(usage.ru_maxrss / 1024) MiB"
)
print("  exit code \(process.terminationStatus); points received once: \(received); received twice: \(intake.duplicates.count)")
print(
    "  requests: \(intake.seriesRequestCount), largest: \(intake.maxWireBytes) bytes on the wire (≤ 512,000), "
        + "\(intake.maxDecompressedBytes) decompressed (≤ 5,242,880), \(intake.maxPointsPerRequest) points (≤ 10,000)")
intake.stop()
exit(process.terminationStatus == 0 && received == total ? 0 : 1)
