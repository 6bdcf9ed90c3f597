/// What a metric-emitting stage says about each metric it emits: the key, its unit and one-line
/// description, the tags it adds per point, and where it goes on a dashboard and when it should
/// alert. The pipeline files are the single source of the metric reference, the dashboards, the
/// monitors and the metadata the Datadog sink sets.
public struct MetricDeclaration: Sendable, Equatable {
    /// The key, as emitted (`github.ci.workflow_duration_minutes.p95`).
    public var name: String
    /// Datadog's in-app type; every point this engine emits is a gauge.
    public var type = "gauge"
    public var unit: String?
    /// One line: the stage's `description`.
    public var description: String?
    /// Which statistic of the stage's values the key is, when it emits several (`p50`, `max`).
    public var statistic: String?
    /// The dashboard group (`group` option); nil: the collector's default group.
    public var group: String?
    /// The tag keys the stage adds to each point beyond the pipeline's own (`group_by`, `tags`).
    public var tags: [String]
    public var monitor: MetricMonitor?
    /// The stage that emits it.
    public var stage = ""

    /// The key's own description: the stage's, preceded by the statistic ("p95 of the minutes …").
    public var summary: String? {
        guard let description else { return nil }
        return statistic.map { "\($0) of \(description)" } ?? description
    }

    public init(
        name: String, unit: String?, description: String? = nil, group: String? = nil, tags: [String] = [],
        monitor: MetricMonitor? = nil
    ) {
        self.name = name
        self.unit = unit
        self.description = description
        self.group = group
        self.tags = tags
        self.monitor = monitor
    }
}

/// The `monitor` option of a metric stage: alert when the metric's value crosses `above` or
/// `below` (`warning` first, when given) over the last `window`.
///
/// ```json
/// "monitor": {"above": 10, "warning": 5, "window": "1h"}
/// ```
public struct MetricMonitor: Sendable, Equatable, Decodable {
    public enum Comparison: String, Sendable { case above, below }

    public var comparison: Comparison
    public var critical: Double
    public var warning: Double?
    public var window: TimeSpan

    public static let defaultWindow = TimeSpan("1h")!

    public init(comparison: Comparison, critical: Double, warning: Double? = nil, window: TimeSpan = Self.defaultWindow) {
        self.comparison = comparison
        self.critical = critical
        self.warning = warning
        self.window = window
    }

    public init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        let above: Double? = try reader.optional("above")
        let below: Double? = try reader.optional("below")
        switch (above, below) {
        case (let threshold?, nil): (comparison, critical) = (.above, threshold)
        case (nil, let threshold?): (comparison, critical) = (.below, threshold)
        default: throw reader.failure(nil, "a monitor alerts above or below a threshold: give one of above, below")
        }
        warning = try reader.optional("warning")
        window = try reader.optional("window") ?? Self.defaultWindow
        if let warning, comparison == .above ? warning >= critical : warning <= critical {
            throw reader.failure(
                "warning",
                "the warning threshold must come before the alert: \(comparison == .above ? "below" : "above") \(critical)")
        }
        if let failure = reader.unknownKeyFailure(known: ["above", "below", "warning", "window"]) { throw failure }
    }

    /// The option's doc line, for the stages that take it.
    public static let doc =
        "{\"above\" or \"below\": threshold, \"warning\": earlier threshold, \"window\": span (1h)}: a Datadog monitor for the metric (default: none)"
}

/// Options of a stage that emits metrics, saying which (`StageKind.Built.metrics`).
public protocol DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] { get }
}

extension MetricMonitor: OptionSchemaDescribing {
    public static var optionSchema: JSON {
        [
            "type": "object",
            "properties": [
                "above": Double.optionSchema, "below": Double.optionSchema, "warning": Double.optionSchema,
                "window": ["type": "string"],
            ],
            "additionalProperties": false,
        ]
    }
}
