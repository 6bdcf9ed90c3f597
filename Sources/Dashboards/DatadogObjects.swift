import Pipeline

/// `--apply`: makes Datadog hold exactly the generated dashboard and monitors, idempotently.
///
/// Identity does not rest on titles. A monitor carries `pipeline:NAME` and
/// `pipeline-monitor:KEY` tags: the collector's monitors are listed with
/// `GET /api/v1/monitor?monitor_tags=pipeline:NAME` and matched by their KEY tag. A dashboard's
/// `tags` only take `team:` values, so its description ends with a marker
/// (`[managed-by:pipeline pipeline-dashboard:NAME]`): the dashboard list (which returns each
/// one's description) is searched for it. An object found is updated only when one of the fields
/// this tool sends differs from what Datadog stores; otherwise nothing is sent.
public struct DatadogObjects: Sendable {
    /// `orphaned`: a monitor of this collector (by its tags) that is no longer generated (a
    /// metric's `monitor` removed); left alone, for a person to delete.
    public enum Outcome: String, Sendable { case created, updated, unchanged, orphaned }

    /// What one object came to.
    public struct Applied: Sendable, CustomStringConvertible {
        public var kind: String
        public var name: String
        public var id: String
        public var outcome: Outcome
        public var description: String {
            let line = "\(outcome.rawValue) \(kind) \(id) \"\(name)\""
            return outcome == .orphaned ? line + " (no longer generated: left alone, delete it in Datadog if unwanted)" : line
        }
    }

    public let api: DatadogAPI

    public init(api: DatadogAPI) { self.api = api }

    /// Finds the dashboard marked for `name`, and creates or updates it to `wanted`.
    public func apply(dashboard wanted: JSON, name: String) async throws(DatadogAPIError) -> Applied {
        let marker = DashboardBuilder.marker(name)
        let title = wanted["title"]?.string ?? name
        var found: String?
        var start = 0
        let page = 100
        while found == nil {
            let list = try await api.call("GET", "/api/v1/dashboard?filter%5Bshared%5D=false&count=\(page)&start=\(start)")
            let dashboards = list["dashboards"]?.array ?? []
            found = dashboards.first { $0["description"]?.string?.contains(marker) == true }?["id"]?.string
            if dashboards.count < page { break }
            start += page
        }
        guard let id = found else {
            let created = try await api.call("POST", "/api/v1/dashboard", body: wanted)
            return Applied(kind: "dashboard", name: title, id: created["id"]?.string ?? "?", outcome: .created)
        }
        let stored = try await api.call("GET", "/api/v1/dashboard/\(id)")
        if Self.holds(stored, wanted) { return Applied(kind: "dashboard", name: title, id: id, outcome: .unchanged) }
        _ = try await api.call("PUT", "/api/v1/dashboard/\(id)", body: wanted)
        return Applied(kind: "dashboard", name: title, id: id, outcome: .updated)
    }

    /// Lists the monitors tagged `pipeline:NAME`, and creates or updates each of `wanted` by its key tag.
    public func apply(monitors wanted: [JSON], name: String) async throws(DatadogAPIError) -> [Applied] {
        let listed = try await api.call("GET", "/api/v1/monitor?monitor_tags=pipeline:\(name)")
        var byKey: [String: JSON] = [:]
        for monitor in listed.array ?? [] {
            let tags = monitor["tags"]?.array?.compactMap(\.string) ?? []
            guard tags.contains("managed-by:pipeline"), let key = Self.key(tags), byKey[key] == nil else { continue }
            byKey[key] = monitor
        }
        var results: [Applied] = []
        let wantedKeys = Set(wanted.compactMap { Self.key($0["tags"]?.array?.compactMap(\.string) ?? []) })
        for monitor in wanted {
            let title = monitor["name"]?.string ?? "?"
            let key = Self.key(monitor["tags"]?.array?.compactMap(\.string) ?? []) ?? title
            if let stored = byKey[key], let id = stored["id"].map(Self.idText) {
                if Self.holds(stored, monitor) {
                    results.append(Applied(kind: "monitor", name: title, id: id, outcome: .unchanged))
                } else {
                    _ = try await api.call("PUT", "/api/v1/monitor/\(id)", body: monitor)
                    results.append(Applied(kind: "monitor", name: title, id: id, outcome: .updated))
                }
            } else {
                let created = try await api.call("POST", "/api/v1/monitor", body: monitor)
                let id = created["id"].map(Self.idText) ?? "?"
                results.append(Applied(kind: "monitor", name: title, id: id, outcome: .created))
            }
        }
        for (key, stored) in byKey.sorted(by: { $0.key < $1.key }) where !wantedKeys.contains(key) {
            results.append(
                Applied(
                    kind: "monitor", name: stored["name"]?.string ?? key, id: stored["id"].map(Self.idText) ?? "?",
                    outcome: .orphaned))
        }
        return results
    }

    /// The `pipeline-monitor:KEY` tag's KEY.
    static func key(_ tags: [String]) -> String? {
        tags.first { $0.hasPrefix(MonitorBuilder.keyPrefix) }.map { String($0.dropFirst(MonitorBuilder.keyPrefix.count)) }
    }

    /// Monitor ids are numbers, dashboard ids strings.
    static func idText(_ id: JSON) -> String { id.string ?? JSON.formatNumber(id.number ?? 0) }

    /// Whether `stored` already has every field of `wanted` with the same value. Fields Datadog
    /// adds (ids, authors, dates, defaults of options) do not count; `tags` compare as sets.
    public static func holds(_ stored: JSON, _ wanted: JSON) -> Bool {
        switch (stored, wanted) {
        case (.object(let have), .object(let want)):
            return want.allSatisfy { pair in
                guard let value = have[pair.key] else { return pair.value.isNull }
                if pair.key == "tags", let a = value.array, let b = pair.value.array {
                    return Set(a.compactMap(\.string)) == Set(b.compactMap(\.string))
                }
                return holds(value, pair.value)
            }
        case (.array(let have), .array(let want)):
            return have.count == want.count && zip(have, want).allSatisfy { holds($0, $1) }
        default:
            return stored == wanted
        }
    }
}
