import Pipeline

/// The options every metric-emitting stage shares: `metric`, `unit`, `tags`, and for dashboards
/// and monitors `group` and `monitor` (the metric's description is the stage's `description`).
///
/// `metric` must be a Datadog metric name (an ASCII letter, then letters, digits, `_` and `.`, at
/// most 200 characters); `tags` is an object of string values, added as normalised `key:value`
/// tags to the pipeline's own.
struct MetricOptions: Sendable {
    var metric: String
    var unit: String?
    var tags: [String]
    /// The dashboard group the metric goes in; nil: the collector's default one.
    var group: String?
    var monitor: MetricMonitor?

    /// The docs of `metric`, `unit` and `tags`, for the `optionDocs` of each stage that reads them.
    static let docs: [String: String] = [
        "metric": "metric name of the point (required)",
        "unit": "unit of the point, e.g. minute (default: none)",
        "tags": "extra key:value tags of the point (default: none)",
        "group": "the dashboard group the metric is shown in, e.g. \"Pull requests\" (default: the collector's)",
        "monitor": MetricMonitor.doc,
    ]

    /// `docs` with the stage's own options' docs.
    static func docs(_ own: [String: String]) -> [String: String] { docs.merging(own) { _, stage in stage } }

    init(metric: String, unit: String? = nil, tags: [String] = []) {
        self.metric = metric
        self.unit = unit
        self.tags = tags
    }

    init(_ options: OptionReader) throws {
        let metric: String = try options.required("metric")
        if let problem = MetricName.check(metric) { throw options.failure("metric", problem) }
        self.metric = metric
        self.unit = try options.optional("unit")
        self.group = try options.optional("group")
        self.monitor = try options.optional("monitor")
        self.tags = []
        if let raw: JSON = try options.optional("tags") {
            guard case .object(let object) = raw else {
                throw options.failure(
                    "tags", "expected an object of tag values such as {\"team\": \"platform\"}, found \(raw.kindName)")
            }
            var pairs: [(String, String)] = []
            for (key, value) in object {
                guard let string = value.string else {
                    throw options.failure(["tags", key], "expected a string, found \(value.kindName)")
                }
                pairs.append((key, string))
            }
            self.tags = Tags.from(pairs)
        }
    }

    /// What the stage says of the metrics `names` it emits; `groupTags` are its `group_by` tags.
    func declarations(_ names: [String], groupTags: [String] = []) -> [MetricDeclaration] {
        let own = tags.map { String($0.prefix { $0 != ":" }) }
        return names.map {
            MetricDeclaration(name: $0, unit: unit, group: group, tags: own + groupTags, monitor: monitor)
        }
    }

    /// A gauge named `metric` (or `name`) at the run's time, with the pipeline's tags and ours.
    func point(_ value: Double, context: StageContext, name: String? = nil, extraTags: [String] = []) -> MetricPoint {
        context.point(name ?? metric, value, unit: unit, extraTags: tags + extraTags)
    }
}
