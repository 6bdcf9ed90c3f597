/// One expected point: metric, its tags beyond the pipeline's own, and its value.
public struct FakeSkyPilotPoint: Sendable, Hashable, CustomStringConvertible {
    public var metric: String
    public var tags: [String]
    public var value: Double

    public init(metric: String, tags: [String] = [], value: Double) {
        self.metric = metric
        self.tags = tags
        self.value = value
    }

    public var description: String { "\(metric) \(tags.sorted()) = \(value)" }
}

/// A job as the metrics see it: its task rows grouped by `job_id` (METRICS.md, SkyPilot, "Jobs").
public struct FakeSkyPilotJob: Sendable {
    public var jobID: Int
    public var status: String
    public var submittedAt: Double?
    public var startAt: Double?
    /// Only when the status is terminal.
    public var endAt: Double?
    /// Seconds, over all rows (auxiliary ones included).
    public var duration: Double
    public var userName: String?
}

extension FakeSkyPilotData {
    /// The queue's rows grouped into jobs, in `job_id` order. The status is the first one other
    /// than SUCCEEDED over the primary rows in `task_id` order (all rows when none is primary),
    /// else SUCCEEDED; times and duration over every row.
    public var groupedJobs: [FakeSkyPilotJob] {
        Dictionary(grouping: jobs, by: \.jobID).sorted { $0.key < $1.key }.map { id, rows in
            let ordered = rows.sorted { $0.taskID < $1.taskID }
            let primary = ordered.filter { $0.isPrimaryInJobGroup != false }
            let deciding = primary.isEmpty ? ordered : primary
            let status = deciding.first { $0.status != "SUCCEEDED" }?.status ?? "SUCCEEDED"
            let terminal = Self.terminalJobStatuses.contains(status)
            return FakeSkyPilotJob(
                jobID: id, status: status, submittedAt: ordered.compactMap(\.submittedAt).min(),
                startAt: ordered.compactMap(\.startAt).min(), endAt: terminal ? ordered.compactMap(\.endAt).max() : nil,
                duration: ordered.reduce(0) { $0 + $1.jobDuration }, userName: ordered.compactMap(\.userName).first)
        }
    }

    /// The 18 SkyPilot metrics of METRICS.md, computed directly from the data (the reads made with
    /// `all_users: true` and `days: 8`). `jobsAvailable: false` is a jobs read that failed with
    /// ClusterNotUpError: no jobs (counts 0, percentiles not emitted). Counts are always emitted;
    /// per-status metrics have one point per listed status tagged `status:<lower case>`.
    public func expectedMetrics(jobsAvailable: Bool = true) -> [FakeSkyPilotPoint] {
        let start = now - 7 * Self.day
        func inW(_ time: Double?) -> Bool { time.map { $0 >= start && $0 <= now } ?? false }
        let jobs = jobsAvailable ? groupedJobs : []
        let failures: Set<String> = [
            "FAILED", "FAILED_SETUP", "FAILED_PRECHECKS", "FAILED_NO_RESOURCE", "FAILED_CONTROLLER",
        ]
        var points: [FakeSkyPilotPoint] = []
        func add(_ metric: String, _ value: Double?, tags: [String] = []) {
            if let value { points.append(FakeSkyPilotPoint(metric: metric, tags: tags, value: value)) }
        }
        func count(_ predicate: (FakeSkyPilotJob) -> Bool) -> Double { Double(jobs.filter(predicate).count) }

        add("skypilot.jobs.running", count { $0.status == "RUNNING" })
        add("skypilot.jobs.queued", count { ["PENDING", "STARTING", "SUBMITTED"].contains($0.status) })
        add("skypilot.jobs.recovering", count { $0.status == "RECOVERING" })
        for status in ["PENDING", "STARTING", "RUNNING", "RECOVERING", "CANCELLING"] {
            add("skypilot.jobs.by_status", count { $0.status == status }, tags: ["status:\(status.lowercased())"])
        }
        add("skypilot.jobs.succeeded_7d", count { $0.status == "SUCCEEDED" && inW($0.endAt) })
        add("skypilot.jobs.failed_7d", count { failures.contains($0.status) && inW($0.endAt) })
        add("skypilot.jobs.cancelled_7d", count { $0.status == "CANCELLED" && inW($0.endAt) })
        let durations = jobs.filter { ($0.status == "SUCCEEDED" || failures.contains($0.status)) && inW($0.endAt) }
            .map(\.duration).filter { $0 > 0 }.map { $0 / 60 }
        add("skypilot.jobs.duration_minutes.p50", Self.percentile(durations, 50))
        add("skypilot.jobs.duration_minutes.p95", Self.percentile(durations, 95))
        add("skypilot.jobs.duration_minutes.max", Self.percentile(durations, 100))
        let waits = jobs.compactMap { job -> Double? in
            guard let startAt = job.startAt, inW(startAt), let submitted = job.submittedAt else { return nil }
            return (startAt - submitted) / 60
        }
        add("skypilot.jobs.queue_wait_minutes.p95", Self.percentile(waits, 95))
        let active = jobs.filter { inW($0.submittedAt) || !Self.terminalJobStatuses.contains($0.status) }
        add("skypilot.users.active_7d", Double(Set(active.compactMap(\.userName)).count))

        let up = clusters.filter { $0.status == "UP" }
        add("skypilot.clusters.up", Double(up.count))
        for status in Self.clusterStatuses {
            add(
                "skypilot.clusters.by_status", Double(clusters.filter { $0.status == status }.count),
                tags: ["status:\(status.lowercased())"])
        }
        add("skypilot.clusters.nodes", Double(up.reduce(0) { $0 + $1.nodes }))
        add("skypilot.clusters.without_autostop", Double(up.filter { !$0.isManaged && $0.autostop < 0 }.count))

        let records = costRecords(days: 8).filter { $0.duration > 0 }
        func rate(_ record: FakeSkyPilotCostRecord) -> Double { record.totalCost / Double(record.duration) }
        add(
            "skypilot.compute.hourly_cost_usd",
            records.filter { $0.status == "UP" }.reduce(0) { $0 + rate($1) * 3_600 })
        add(
            "skypilot.compute.total_cost_7d",
            records.reduce(0) { sum, record in
                let seconds = record.usageIntervals.reduce(0.0) { total, interval in
                    let from = max(Double(interval.start), start)
                    let to = min(interval.end.map(Double.init) ?? now, now)
                    return total + max(0, to - from)
                }
                return sum + rate(record) * seconds
            })
        return points
    }

    /// numpy.percentile's default method (linear interpolation at position (n−1)·p/100), with
    /// numpy's own lerp so the last bit agrees: a + (b−a)·t below t = 0.5, b − (b−a)·(1−t) from
    /// it. nil when there is nothing to rank.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = Double(sorted.count - 1) * (p / 100)
        let index = Int(position.rounded(.down))
        let t = position - Double(index)
        let a = sorted[index]
        let b = sorted[min(index + 1, sorted.count - 1)]
        return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t)
    }
}
