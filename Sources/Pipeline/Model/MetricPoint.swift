/// One value of one metric at one time: what sinks deliver.
public struct MetricPoint: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case gauge, count }

    public var metric: String
    public var value: Double
    /// Seconds since the epoch; every point of one run carries the run's clock.
    public var timestamp: Int
    public var kind: Kind
    /// `key:value` tags, already normalised (see `Tags`).
    public var tags: [String]
    public var unit: String?
    /// The span a count covers, in seconds (Datadog needs it for counts).
    public var interval: Int?

    public init(
        metric: String, value: Double, timestamp: Int, kind: Kind = .gauge, tags: [String] = [],
        unit: String? = nil, interval: Int? = nil
    ) {
        self.metric = metric
        self.value = value
        self.timestamp = timestamp
        self.kind = kind
        self.tags = tags
        self.unit = unit
        self.interval = interval
    }

    /// The JSON Lines form: `{"metric":…,"value":…,"timestamp":…,"type":"gauge","tags":[…],"unit":…}`.
    public var json: JSON {
        var object = JSONObject([
            ("metric", .string(metric)), ("value", .number(value)), ("timestamp", .number(Double(timestamp))),
            ("type", .string(kind.rawValue)), ("tags", .array(tags.map(JSON.string))),
            ("unit", unit.map(JSON.string) ?? .null),
        ])
        if let interval { object["interval"] = .number(Double(interval)) }
        return .object(object)
    }
}

/// What travels on an edge: API records between sources and transforms, points towards sinks.
public enum Item: Sendable, Hashable {
    case record(JSON)
    case point(MetricPoint)

    public var record: JSON? { if case .record(let r) = self { return r } else { return nil } }
    public var point: MetricPoint? { if case .point(let p) = self { return p } else { return nil } }
}

/// The kind of items a stage reads or writes; validation checks that edges agree.
public enum ItemKind: String, Sendable, Hashable {
    case records, points
}
