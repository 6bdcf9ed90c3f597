import Pipeline

/// A collector's Datadog monitors, as bodies of `POST /api/v1/monitor`: the three every
/// collector gets (not reporting, errors, slow), scaled to its schedule, and one per metric that
/// declares a `monitor`. Each alerts per deployment (`by {env,repo}`) and carries the tags
/// `managed-by:pipeline`, `pipeline:NAME` and `pipeline-monitor:KEY`, by which `--apply` finds it.
public struct MonitorBuilder: Sendable {
    public var plan: PipelinePlan
    public var scope: CollectorScope
    public var schedule: CollectorSchedule

    public init(plan: PipelinePlan, scope: CollectorScope, schedule: CollectorSchedule) {
        self.plan = plan
        self.scope = scope
        self.schedule = schedule
    }

    /// The tag that names a monitor's key.
    public static let keyPrefix = "pipeline-monitor:"

    /// The tags `--apply` selects the collector's monitors by.
    public static func ownerTags(_ name: String) -> [String] { ["managed-by:pipeline", "pipeline:\(name)"] }

    public func monitors() -> [JSON] {
        [notReporting(), errors(), slow()] + plan.metrics.compactMap(metricMonitor)
    }

    /// Minutes, at least 1, of `intervals` schedule intervals.
    func minutes(_ intervals: Int) -> Int { max(1, schedule.intervalSeconds * intervals / 60) }

    /// A monitor window: `last_45m`, `last_18h`.
    static func window(minutes: Int) -> String {
        minutes % 60 == 0 ? "last_\(minutes / 60)h" : "last_\(minutes)m"
    }

    var split: String { " by {" + (["env"] + scope.deploymentKeys).joined(separator: ",") + "}" }
    var every: String { "every \(Self.duration(schedule.intervalSeconds)) (`\(schedule.cron)`)" }

    static func duration(_ seconds: Int) -> String {
        if seconds % 3600 == 0 { return seconds == 3600 ? "hour" : "\(seconds / 3600) hours" }
        if seconds % 60 == 0 { return "\(seconds / 60) minutes" }
        return "\(seconds) seconds"
    }

    func health(_ metric: String) -> String { "collector.\(scope.name).\(metric)\(scope.scope([]))" }

    /// No run reported in three intervals: the CronJob is not running, or its points do not arrive.
    func notReporting() -> JSON {
        let span = minutes(3)
        return monitor(
            key: "not-reporting", name: "collector \(scope.name) is not reporting",
            query: "sum(\(Self.window(minutes: span))):sum:\(health("metric_count"))\(split) < 1",
            message: "The \(scope.name) collector runs \(every); no run sent metrics in the last \(span) minutes "
                + "(three intervals), or none reported at all. Check its CronJob and the latest Job's logs "
                + "(`kubectl logs job/…`), and `pipeline outbox` for points not delivered.",
            thresholds: ["critical": 1],
            options: JSONObject(["notify_no_data": true, "no_data_timeframe": .number(Double(span))]))
    }

    /// Any stage error in the last two runs.
    func errors() -> JSON {
        let span = minutes(2)
        return monitor(
            key: "errors", name: "collector \(scope.name) has errors",
            query: "sum(\(Self.window(minutes: span))):sum:\(health("error_count"))\(split) > 0",
            message: "A run of the \(scope.name) collector (every \(Self.duration(schedule.intervalSeconds))) reported "
                + "errors in the last \(span) minutes (two intervals): some of its metrics are missing or stale. "
                + "The run's log names the failing stage.",
            thresholds: ["critical": 0])
    }

    /// A run took more than 80% of its budget (activeDeadlineSeconds): soon it will be cut off.
    func slow() -> JSON {
        let span = minutes(2)
        let critical = Double(schedule.activeDeadlineSeconds * 8 / 10)
        let warning = Double(schedule.activeDeadlineSeconds * 6 / 10)
        return monitor(
            key: "slow", name: "collector \(scope.name) is slow",
            query: "max(\(Self.window(minutes: span))):max:\(health("duration_seconds"))\(split) > "
                + JSON.formatNumber(critical),
            message: "A run of the \(scope.name) collector took more than \(JSON.formatNumber(critical)) s, 80% of "
                + "its \(schedule.activeDeadlineSeconds) s budget (activeDeadlineSeconds; warning at 60%, "
                + "\(JSON.formatNumber(warning)) s), in the last \(span) minutes (two intervals of "
                + "\(Self.duration(schedule.intervalSeconds))). Runs cut off at the deadline send partial metrics: "
                + "raise activeDeadlineSeconds in the chart's values or look for a slow API.",
            thresholds: ["critical": .number(critical), "warning": .number(warning)])
    }

    func metricMonitor(_ metric: MetricDeclaration) -> JSON? {
        guard let rule = metric.monitor else { return nil }
        let span = max(1, Int(rule.window.seconds / 60))
        let own = CollectorScope.usefulKeys(metric.tags)
        let keys = ["env"] + scope.deploymentKeys + own.filter { !scope.deploymentKeys.contains($0) }
        let comparison = rule.comparison == .above ? ">" : "<"
        var thresholds = JSONObject(["critical": .number(rule.critical)])
        if let warning = rule.warning { thresholds["warning"] = .number(warning) }
        let unit = metric.unit.map { " \($0)" } ?? ""
        let words = rule.comparison == .above ? "above" : "below"
        return monitor(
            key: "metric.\(metric.name)", name: "\(metric.name) \(words) \(JSON.formatNumber(rule.critical))",
            query: "avg(\(Self.window(minutes: span))):avg:\(metric.name)\(scope.scope([])) by {"
                + keys.joined(separator: ",") + "} \(comparison) \(JSON.formatNumber(rule.critical))",
            message: "\(metric.name) (\(metric.description ?? metric.name)) averaged \(words) "
                + "\(JSON.formatNumber(rule.critical))\(unit) over the last \(span) minutes"
                + (rule.warning.map { " (warning at \(JSON.formatNumber($0))\(unit))" } ?? "")
                + ", as the \(scope.name) pipeline's stage \(metric.stage) declares.",
            thresholds: .object(thresholds))
    }

    func monitor(
        key: String, name: String, query: String, message: String, thresholds: JSON, options extra: JSONObject = JSONObject()
    ) -> JSON {
        var options = JSONObject([
            "thresholds": thresholds, "notify_no_data": false, "require_full_window": false, "include_tags": true,
        ])
        for pair in extra { options[pair.key] = pair.value }
        let tags = Self.ownerTags(scope.name) + [Self.keyPrefix + key] + scope.filter
        return [
            "name": .string("[pipeline] \(name)"), "type": "query alert", "query": .string(query),
            "message": .string(message), "tags": .array(tags.map { .string($0) }), "options": .object(options),
        ]
    }
}
