import HTTP
import Pipeline
import Storage

/// Sets each declared metric's Datadog metadata (type, unit, description) with
/// `PUT /api/v1/metrics/{name}` when it differs from what this destination last accepted, which
/// the state file keeps (`MetricMetadataStore`): once per change, never once per run or point.
///
/// The metadata API needs an application key (`DD_APP_KEY`) besides the API key; without one this
/// is skipped. A refusal is a warning, not a failed run: the points were delivered.
struct DatadogMetadataSync {
    let endpoint: DatadogEndpoint
    let apiKey: String
    let appKey: String
    /// Nil when the state file cannot be used: every metric is set again.
    let store: MetricMetadataStore?

    /// The body Datadog is sent for `metric`, as stored: keys sorted, so equal metadata is equal text.
    static func body(_ metric: MetricDeclaration) -> String {
        var object = JSONObject([("type", .string(metric.type))])
        if let unit = metric.unit { object["unit"] = .string(unit) }
        if let summary = metric.summary { object["description"] = .string(summary) }
        return JSON.object(JSONObject(object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })).jsonText
    }

    /// Sets what changed; returns how many metrics were set.
    @discardableResult
    func sync(_ metrics: [MetricDeclaration], http: HTTPClient, log: DatadogLog) async -> Int {
        let destination = endpoint.outboxDestination
        var set = 0
        var seen: Set<String> = []
        for metric in metrics where seen.insert(metric.name).inserted {
            let body = Self.body(metric)
            if let stored = try? store?.body(destination: destination, metric: metric.name), stored == body { continue }
            let request = HTTPRequest(
                method: "PUT", url: endpoint.baseURL + "/api/v1/metrics/" + URLQuery.percentEncode(metric.name),
                headers: [("DD-API-KEY", apiKey), ("DD-APPLICATION-KEY", appKey), ("Content-Type", "application/json")],
                body: Array(body.utf8))
            do {
                let response = try await http.send(request)
                guard response.isSuccess else {
                    log.warning(
                        "cannot set the metadata of \(metric.name): Datadog answered \(response.status)"
                            + (response.status == 403 ? " (check DD_APP_KEY)" : "") + "; the points were delivered")
                    if response.status == 401 || response.status == 403 { return set }
                    continue
                }
                try? store?.store(body, destination: destination, metric: metric.name)
                set += 1
            } catch {
                log.warning("cannot set the metadata of \(metric.name): \(error); the points were delivered")
                return set
            }
        }
        if set > 0 { log.info("set the metadata (type, unit, description) of \(set) metrics") }
        return set
    }
}
