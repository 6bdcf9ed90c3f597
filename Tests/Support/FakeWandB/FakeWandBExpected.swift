/// One expected point: metric, its tags beyond the pipeline's own, and its value.
public struct FakeWandBPoint: Sendable, Hashable, CustomStringConvertible {
    public var metric: String
    public var tags: [String]
    public var value: Double

    public init(metric: String, tags: [String], value: Double) {
        self.metric = metric
        self.tags = tags
        self.value = value
    }

    public var description: String { "\(metric) \(tags.sorted()) = \(value)" }
}

extension FakeWandBData {
    /// The W&B metrics of METRICS.md for the projects `paths` (`entity/project`, in order; all of them
    /// when nil), computed from the data at its `now`. Unknown paths are skipped.
    public func expectedMetrics(projects paths: [String]? = nil) -> [FakeWandBPoint] {
        let chosen = (paths ?? projects.map(\.path)).compactMap { path in projects.first { $0.path == path } }
        return Self.expectedMetrics(projects: chosen, now: now)
    }

    /// The 11 W&B metrics of METRICS.md, one point per project tagged `project:entity/project`, computed
    /// straight from the runs, independently of any pipeline code:
    ///
    /// - W is `[now - 7d, now]`, both ends included; "ended in W": state finished, failed, crashed or
    ///   killed with `heartbeatAt` in W.
    /// - counts (running, started, finished, failed, stale, GPUs active, users active) and GPU hours are
    ///   always emitted, 0 included; the duration percentiles only when some run ended in W, the GPU
    ///   utilization mean only when some running run reports `system.gpu.N.gpu`.
    /// - percentiles interpolate linearly at (n-1)·p/100 with numpy's arithmetic.
    public static func expectedMetrics(projects: [FakeWandBProject], now: Double) -> [FakeWandBPoint] {
        let start = now - 7 * day
        func inW(_ time: Double?) -> Bool { time.map { $0 >= start && $0 <= now } ?? false }
        var points: [FakeWandBPoint] = []
        for project in projects {
            let tags = ["project:\(project.path)"]
            func add(_ metric: String, _ value: Double?) {
                if let value { points.append(FakeWandBPoint(metric: "wandb." + metric, tags: tags, value: value)) }
            }
            let runs = project.runs
            let running = runs.filter { $0.state == "running" }
            let ended = runs.filter { ["finished", "failed", "crashed", "killed"].contains($0.state) && inW($0.heartbeatAt) }
            add("runs.running", Double(running.count))
            add("runs.started_7d", Double(runs.filter { inW($0.createdAt) }.count))
            add("runs.finished_7d", Double(ended.filter { $0.state == "finished" }.count))
            add("runs.failed_7d", Double(ended.filter { $0.state == "failed" || $0.state == "crashed" }.count))
            add("runs.stale", Double(running.filter { run in run.heartbeatAt.map { now - $0 > 30 * minute } ?? false }.count))
            let hours = ended.map { run -> Double in
                let runtime = run.wandbRuntime.map(Double.init) ?? run.underscoreRuntime ?? (run.heartbeatAt! - run.createdAt)
                return runtime / hour
            }
            add("runs.duration_hours.p50", percentile(hours, 50))
            add("runs.duration_hours.p95", percentile(hours, 95))
            add("gpus.active", Double(running.reduce(0) { $0 + ($1.gpuCount ?? 0) }))
            let utilizations = running.filter { !$0.gpuUtilization.isEmpty }.map {
                $0.gpuUtilization.reduce(0, +) / Double($0.gpuUtilization.count)
            }
            add(
                "gpu.utilization_percent.mean",
                utilizations.isEmpty ? nil : utilizations.reduce(0, +) / Double(utilizations.count))
            var gpuHours = 0.0
            for run in runs {
                let end = run.state == "running" ? now : run.heartbeatAt
                guard let end, let count = run.gpuCount, count > 0 else { continue }
                let overlap = min(end, now) - max(run.createdAt, start)
                if overlap > 0 { gpuHours += Double(count) * overlap / hour }
            }
            add("gpu.hours_7d", gpuHours)
            let users = Set(runs.filter { inW($0.createdAt) || $0.state == "running" }.compactMap { $0.user?.username })
            add("users.active_7d", Double(users.count))
        }
        return points
    }

    /// The metric keys, in the order `expectedMetrics` emits them.
    public static let metricKeys = [
        "wandb.runs.running", "wandb.runs.started_7d", "wandb.runs.finished_7d", "wandb.runs.failed_7d", "wandb.runs.stale",
        "wandb.runs.duration_hours.p50", "wandb.runs.duration_hours.p95", "wandb.gpus.active",
        "wandb.gpu.utilization_percent.mean", "wandb.gpu.hours_7d", "wandb.users.active_7d",
    ]

    /// Percentile `p` of `values` as numpy.percentile's default method computes it: linear interpolation
    /// at position (n-1)·p/100, `a + (b-a)·t` below t = 0.5 and `b - (b-a)·(1-t)` from it; nil for none.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = Double(sorted.count - 1) * (p / 100)
        let index = Int(position.rounded(.down))
        let fraction = position - position.rounded(.down)
        let a = sorted[index]
        let b = sorted[Swift.min(index + 1, sorted.count - 1)]
        return fraction >= 0.5 ? b - (b - a) * (1 - fraction) : a + (b - a) * fraction
    }
}
