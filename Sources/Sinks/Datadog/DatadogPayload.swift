import Pipeline

/// The JSON body of `POST /api/v2/series` (Datadog's `MetricPayload`), built point by point so
/// that the batcher knows a body's exact size before it adds a point:
///
///     {"series":[{"metric":"ci.build.duration","type":3,"points":[{"timestamp":1795410000,"value":42.5}],
///                 "tags":["repo:pipeline"],"unit":"second"}]}
///
/// Points of one series (same metric, tags, type, interval and unit) share one `series` entry, in
/// the order they were added. Gauges are `type` 3; counts are `type` 1 with their `interval`.
/// Tags are normalised with Datadog's rules, deduplicated and sorted; a unit that is not one of
/// Datadog's unit names (`DatadogUnits`) is left out.
public struct DatadogPayload: Sendable {
    /// What makes points one series in the body.
    struct SeriesKey: Hashable, Sendable {
        var metric: String
        var type: Int
        var interval: Int?
        var tags: [String]
        var unit: String?
    }

    /// One `series` entry: its opening up to `"points":[`, the points joined by commas, its closing.
    private struct Series: Sendable {
        var head: [UInt8]
        var points: [UInt8]
        var tail: [UInt8]
        var byteCount: Int { head.count + points.count + tail.count }
    }

    private static let opening = Array(#"{"series":["#.utf8)
    private static let closing = Array("]}".utf8)

    private var index: [SeriesKey: Int] = [:]
    private var series: [Series] = []
    /// The exact size of `encoded()`.
    public private(set) var byteCount = opening.count + closing.count
    public private(set) var pointCount = 0
    public var seriesCount: Int { series.count }
    public var isEmpty: Bool { pointCount == 0 }

    public init() {}

    /// A body holding `points`.
    public init(_ points: some Sequence<MetricPoint>) {
        for point in points { _ = add(point) }
    }

    /// Adds `point` unless the body would then be larger than `byteLimit` bytes; an empty
    /// payload always takes its first point, so a batch is never empty.
    @discardableResult
    public mutating func add(_ point: MetricPoint, byteLimit: Int = .max) -> Bool {
        let key = Self.key(for: point)
        let fragment = Self.pointJSON(point)
        if let position = index[key] {
            let added = fragment.count + 1
            guard pointCount == 0 || byteCount + added <= byteLimit else { return false }
            series[position].points.append(UInt8(ascii: ","))
            series[position].points += fragment
            byteCount += added
        } else {
            var entry = Series(head: Self.head(for: key), points: fragment, tail: Self.tail(for: key))
            let added = entry.byteCount + (series.isEmpty ? 0 : 1)
            guard pointCount == 0 || byteCount + added <= byteLimit else { return false }
            entry.points.reserveCapacity(fragment.count * 4)
            index[key] = series.count
            series.append(entry)
            byteCount += added
        }
        pointCount += 1
        return true
    }

    /// The body, `byteCount` bytes of UTF-8 JSON.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        out += Self.opening
        for (i, entry) in series.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += entry.head
            out += entry.points
            out += entry.tail
        }
        out += Self.closing
        return out
    }

    // MARK: The rules

    /// Datadog's `MetricIntakeType`: 0 unspecified, 1 count, 2 rate, 3 gauge.
    public static func intakeType(of kind: MetricPoint.Kind) -> Int {
        switch kind {
        case .gauge: 3
        case .count: 1
        }
    }

    /// Tags as Datadog stores them: normalised (`Tags.normalize`), empty ones dropped, each once,
    /// sorted. The order of tags means nothing to Datadog; a fixed order makes equal tag sets equal.
    public static func canonicalTags(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        out.reserveCapacity(tags.count)
        for tag in tags {
            let normalized = Tags.normalize(tag)
            if !normalized.isEmpty, seen.insert(normalized).inserted { out.append(normalized) }
        }
        return out.sorted()
    }

    /// `unit` when it is one of Datadog's unit names, else nil.
    public static func datadogUnit(_ unit: String?) -> String? {
        guard let unit, DatadogUnits.isUnit(unit) else { return nil }
        return unit
    }

    static func key(for point: MetricPoint) -> SeriesKey {
        SeriesKey(
            metric: point.metric, type: intakeType(of: point.kind),
            interval: point.kind == .count ? point.interval : nil, tags: canonicalTags(point.tags),
            unit: datadogUnit(point.unit))
    }

    private static func head(for key: SeriesKey) -> [UInt8] {
        var text = #"{"metric":"#
        JSON.writeString(key.metric, to: &text)
        text += #","type":\#(key.type)"#
        if let interval = key.interval { text += #","interval":\#(interval)"# }
        text += #","points":["#
        return Array(text.utf8)
    }

    private static func tail(for key: SeriesKey) -> [UInt8] {
        var text = "]"
        if !key.tags.isEmpty {
            text += #","tags":["#
            for (i, tag) in key.tags.enumerated() {
                if i > 0 { text += "," }
                JSON.writeString(tag, to: &text)
            }
            text += "]"
        }
        if let unit = key.unit {
            text += #","unit":"#
            JSON.writeString(unit, to: &text)
        }
        text += "}"
        return Array(text.utf8)
    }

    /// `{"timestamp":…,"value":…}`; values must be finite (the sink drops the others before).
    private static func pointJSON(_ point: MetricPoint) -> [UInt8] {
        Array(#"{"timestamp":\#(point.timestamp),"value":\#(JSON.formatNumber(point.value))}"#.utf8)
    }
}
