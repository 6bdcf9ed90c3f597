import FakeGitHub

/// One expected point: metric, its tags beyond the pipeline's own, and its value.
public struct FakeAsanaPoint: Sendable, Hashable, CustomStringConvertible {
    public var metric: String
    public var tags: [String]
    public var value: Double

    public var description: String { "\(metric) \(tags.sorted()) = \(value)" }
}

extension FakeAsanaData {
    /// The Asana metrics of METRICS.md over `projects` (gids, in order), computed directly from
    /// the data: one point per project per count, percentiles only where there is something to rank.
    public func expectedMetrics(projects gids: [String]) -> [FakeAsanaPoint] {
        let day = Self.day
        let start = now - 7 * day
        let today = Self.date(now)
        var points: [FakeAsanaPoint] = []
        var openGids: Set<String> = []
        for gid in gids {
            guard let project = projects.first(where: { $0.gid == gid }) else { continue }
            let tags = ["project:\(project.tagValue)", "project_gid:\(gid)"]
            let listed = listed(project: gid, completedSince: start)
            let open = listed.filter { !$0.completed }
            let completedInW = listed.filter { ($0.completedAt.map { $0 >= start && $0 <= now }) ?? false }
            openGids.formUnion(open.map(\.gid))
            func add(_ metric: String, _ value: Double?) {
                if let value { points.append(FakeAsanaPoint(metric: metric, tags: tags, value: value)) }
            }
            add("asana.tasks.open", Double(open.count))
            add("asana.tasks.completed_7d", Double(completedInW.count))
            add("asana.tasks.created_7d", Double(listed.filter { $0.createdAt >= start && $0.createdAt <= now }.count))
            add(
                "asana.tasks.overdue",
                Double(
                    open.filter { task in
                        if let dueAt = task.dueAt { return dueAt < now }
                        if let dueOn = task.dueOn { return dueOn < today }
                        return false
                    }.count))
            add("asana.tasks.unassigned", Double(open.filter { $0.assignee == nil }.count))
            add("asana.tasks.stale", Double(open.filter { $0.modifiedAt < now - 14 * day }.count))
            let cycle = completedInW.map { ($0.completedAt! - $0.createdAt) / day }
            add("asana.tasks.cycle_time_days.p50", linearPercentile(cycle, 50))
            add("asana.tasks.cycle_time_days.p95", linearPercentile(cycle, 95))
            let ages = open.map { (now - $0.createdAt) / day }
            add("asana.tasks.open_age_days.p50", linearPercentile(ages, 50))
            add("asana.tasks.open_age_days.max", linearPercentile(ages, 100))
            add("asana.assignees.active_7d", Double(Set(completedInW.compactMap(\.assignee)).count))
        }
        points.append(FakeAsanaPoint(metric: "asana.tasks.open_total", tags: [], value: Double(openGids.count)))
        return points
    }
}
