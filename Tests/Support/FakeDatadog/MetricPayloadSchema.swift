/// Datadog's `MetricPayload` schema (datadog-api-spec, v2, `POST /api/v2/series`), checked strictly:
///
///     MetricPayload  { series [required]: [MetricSeries] }
///     MetricSeries   { metric [required]: string, points [required]: [MetricPoint],
///                      type: MetricIntakeType (0 unspecified, 1 count, 2 rate, 3 gauge), interval: int64,
///                      tags: [string], unit: string, resources: [MetricResource],
///                      source_type_name: string, metadata: MetricMetadata }
///     MetricPoint    { timestamp: int64, value: double }
///     MetricResource { name: string, type: string }
///     MetricMetadata { origin: { metric_type: int32, product: int32, service: int32 } }
///
/// Unknown fields are errors (Datadog answers 400), and so are points without a timestamp or a
/// value and series without points: a sink that sends those has a bug worth seeing.
public enum MetricPayloadSchema {
    /// One point of a valid body.
    public struct Point: Sendable, Hashable {
        public var metric: String
        public var tags: [String]
        public var timestamp: Int64
        public var value: Double
        public var type: Int?
        public var unit: String?
        public var interval: Int64?
    }

    /// The points of `body`, or what is wrong with it (`series[0].points[2].timestamp: expected an integer`).
    public static func validate(_ body: FakeJSON) -> Result<[Point], SchemaError> {
        do throws(SchemaError) {
            return .success(try payload(body))
        } catch {
            return .failure(error)
        }
    }

    public struct SchemaError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    private static func fail(_ path: @autoclosure () -> String, _ message: String) -> SchemaError {
        SchemaError(path: path(), message: message)
    }

    private static func object(_ value: FakeJSON, _ path: @autoclosure () -> String, allowed: Set<String>)
        throws(SchemaError) -> FakeJSONObject
    {
        guard case .object(let members) = value else {
            throw fail(path(), "expected an object, found \(value.kindName)")
        }
        for pair in members.pairs where !allowed.contains(pair.key) {
            throw fail(path(), "unknown field \"\(pair.key)\"; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        return members
    }

    private static func array(_ value: FakeJSON, _ path: @autoclosure () -> String) throws(SchemaError) -> [FakeJSON] {
        guard case .array(let elements) = value else {
            throw fail(path(), "expected an array, found \(value.kindName)")
        }
        return elements
    }

    private static func string(_ value: FakeJSON, _ path: @autoclosure () -> String) throws(SchemaError) -> String {
        guard case .string(let text) = value else { throw fail(path(), "expected a string, found \(value.kindName)") }
        return text
    }

    private static func integer(_ value: FakeJSON, _ path: @autoclosure () -> String) throws(SchemaError) -> Int64 {
        guard case .number(let number, isInteger: true) = value, abs(number) < 9.2e18 else {
            throw fail(path(), "expected an integer, found \(value.kindName)")
        }
        return Int64(number)
    }

    private static func number(_ value: FakeJSON, _ path: @autoclosure () -> String) throws(SchemaError) -> Double {
        guard case .number(let number, _) = value else {
            throw fail(path(), "expected a number, found \(value.kindName)")
        }
        return number
    }

    private static func payload(_ body: FakeJSON) throws(SchemaError) -> [Point] {
        let root = try object(body, "", allowed: ["series"])
        guard let series = root["series"] else { throw fail("", "missing required field \"series\"") }
        var points: [Point] = []
        for (i, entry) in try array(series, "series").enumerated() {
            points += try self.series(entry, "series[\(i)]")
        }
        return points
    }

    private static let seriesFields: Set<String> = [
        "metric", "points", "type", "interval", "tags", "unit", "resources", "source_type_name", "metadata",
    ]
    private static let pointFields: Set<String> = ["timestamp", "value"]

    private static func series(_ value: FakeJSON, _ path: String) throws(SchemaError) -> [Point] {
        let fields = try object(value, path, allowed: seriesFields)
        guard let metricValue = fields["metric"] else { throw fail(path, "missing required field \"metric\"") }
        let metric = try string(metricValue, "\(path).metric")
        guard let pointsValue = fields["points"] else { throw fail(path, "missing required field \"points\"") }
        var type: Int?
        if let value = fields["type"] {
            let code = try integer(value, "\(path).type")
            guard (0...3).contains(code) else {
                throw fail(
                    "\(path).type", "\(code) is not a MetricIntakeType (0 unspecified, 1 count, 2 rate, 3 gauge)")
            }
            type = Int(code)
        }
        let interval = try fields["interval"].map { (value) throws(SchemaError) in
            try integer(value, "\(path).interval")
        }
        var tags: [String] = []
        if let value = fields["tags"] {
            for (i, tag) in try array(value, "\(path).tags").enumerated() {
                tags.append(try string(tag, "\(path).tags[\(i)]"))
            }
        }
        let unit = try fields["unit"].map { (value) throws(SchemaError) in try string(value, "\(path).unit") }
        if let value = fields["source_type_name"] { _ = try string(value, "\(path).source_type_name") }
        if let value = fields["resources"] {
            for (i, resource) in try array(value, "\(path).resources").enumerated() {
                let members = try object(resource, "\(path).resources[\(i)]", allowed: ["name", "type"])
                for (key, member) in members.pairs { _ = try string(member, "\(path).resources[\(i)].\(key)") }
            }
        }
        if let value = fields["metadata"] {
            let metadata = try object(value, "\(path).metadata", allowed: ["origin"])
            if let origin = metadata["origin"] {
                let members = try object(
                    origin, "\(path).metadata.origin", allowed: ["metric_type", "product", "service"])
                for (key, member) in members.pairs { _ = try integer(member, "\(path).metadata.origin.\(key)") }
            }
        }
        let elements = try array(pointsValue, "\(path).points")
        guard !elements.isEmpty else { throw fail("\(path).points", "must hold at least one point") }
        var points: [Point] = []
        points.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            func pointPath() -> String { "\(path).points[\(i)]" }
            let members = try object(element, pointPath(), allowed: pointFields)
            guard let timestamp = members["timestamp"] else { throw fail(pointPath(), "missing \"timestamp\"") }
            guard let value = members["value"] else { throw fail(pointPath(), "missing \"value\"") }
            points.append(
                Point(
                    metric: metric, tags: tags, timestamp: try integer(timestamp, "\(pointPath()).timestamp"),
                    value: try number(value, "\(pointPath()).value"), type: type, unit: unit, interval: interval))
        }
        return points
    }
}
