import LoopbackHTTP
import Synchronization

/// The fake Datadog's object API: dashboards (`GET/POST /api/v1/dashboard`,
/// `GET/PUT/DELETE /api/v1/dashboard/{id}`), monitors (`GET /api/v1/monitor` with its
/// `monitor_tags` filter, `POST /api/v1/monitor`, `PUT /api/v1/monitor/{id}`) and metric metadata
/// (`GET/PUT /api/v1/metrics/{metric_name}`).
///
/// Every call needs both keys (`DD-API-KEY`, `DD-APPLICATION-KEY`; 403 otherwise). A body is
/// checked by `bodyCheck` when a test sets one (the official client's models, see
/// `check_bodies.py`): a body it refuses gets 400 with its reason, as Datadog answers a widget or
/// monitor it cannot take. Stored objects come back as Datadog returns them: with ids, authors,
/// dates, and (monitors) the options Datadog fills in, so a client that compares must compare
/// only what it sends.
public final class FakeDatadogObjects: Sendable {
    /// The model a body must fit: what `bodyCheck` receives.
    public enum Model: String, Sendable {
        case dashboard, monitor
        case metricMetadata = "metric_metadata"
    }

    /// One call, as the fake answered it.
    public struct Call: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        public var status: Int
        public var body: String
        /// Whether both keys were right.
        public var authenticated: Bool
    }

    struct State {
        var dashboards: [(id: String, body: FakeJSON)] = []
        var monitors: [(id: Int, body: FakeJSON)] = []
        var metadata: [String: FakeJSON] = [:]
        var calls: [Call] = []
        var nextID = 1
        var bodyCheck: (@Sendable (Model, String) -> String?)?
    }

    public let applicationKey: String
    let state = Mutex(State())

    init(applicationKey: String) { self.applicationKey = applicationKey }

    /// Checks each body before it is taken; a returned string is the 400's error.
    public func setBodyCheck(_ check: (@Sendable (Model, String) -> String?)?) { state.withLock { $0.bodyCheck = check } }

    /// Every call to the object endpoints, in order.
    public var calls: [Call] { state.withLock { $0.calls } }
    /// Calls that change something (POST, PUT, DELETE).
    public var writes: [Call] { calls.filter { $0.method != "GET" } }
    public var dashboards: [FakeJSON] { state.withLock { $0.dashboards.map(\.body) } }
    public var monitors: [FakeJSON] { state.withLock { $0.monitors.map(\.body) } }
    /// Metric metadata as stored, by metric name.
    public var metricMetadata: [String: FakeJSON] { state.withLock { $0.metadata } }

    /// Adds a dashboard as if made elsewhere (a test's starting point); its id.
    @discardableResult
    public func seed(dashboard body: String) -> String? {
        guard case .object(let object)? = try? FakeJSON.parse(Array(body.utf8)) else { return nil }
        return state.withLock { state in
            let id = Self.dashboardID(state.nextID)
            state.nextID += 1
            state.dashboards.append((id, Self.stored(dashboard: object, id: id)))
            return id
        }
    }

    /// Adds a monitor as if made elsewhere; its id.
    @discardableResult
    public func seed(monitor body: String) -> Int? {
        guard case .object(let object)? = try? FakeJSON.parse(Array(body.utf8)) else { return nil }
        return state.withLock { state in
            let id = 1000 + state.nextID
            state.nextID += 1
            state.monitors.append((id, Self.stored(monitor: object, id: id)))
            return id
        }
    }

    /// Whether this is one of the object endpoints.
    static func handles(_ path: String) -> Bool {
        path == "/api/v1/dashboard" || path.hasPrefix("/api/v1/dashboard/") || path == "/api/v1/monitor"
            || path.hasPrefix("/api/v1/monitor/") || path.hasPrefix("/api/v1/metrics/")
    }

    func handle(_ request: HTTPRequestHead, apiKey: String) -> LoopbackResponse {
        let authenticated = request.headers["dd-api-key"] == apiKey && request.headers["dd-application-key"] == applicationKey
        let response = authenticated ? route(request) : FakeDatadog.errors(403, ["Forbidden"])
        state.withLock {
            $0.calls.append(
                Call(
                    method: request.method, path: request.path, query: request.query, status: response.status,
                    body: String(decoding: request.body, as: UTF8.self), authenticated: authenticated))
        }
        return response
    }

    private func route(_ request: HTTPRequestHead) -> LoopbackResponse {
        let parts = request.path.split(separator: "/").map(String.init)  // api, v1, kind, id?
        guard parts.count >= 3 else { return FakeDatadog.errors(404, ["Not found"]) }
        let id = parts.count > 3 ? parts[3] : nil
        switch (parts[2], request.method, id) {
        case ("dashboard", "GET", nil): return listDashboards(request.query)
        case ("dashboard", "POST", nil): return write(dashboard: request.body, id: nil)
        case ("dashboard", "GET", let id?): return getDashboard(id)
        case ("dashboard", "PUT", let id?): return write(dashboard: request.body, id: id)
        case ("dashboard", "DELETE", let id?): return deleteDashboard(id)
        case ("monitor", "GET", nil): return listMonitors(request.query)
        case ("monitor", "POST", nil): return write(monitor: request.body, id: nil)
        case ("monitor", "PUT", let id?): return write(monitor: request.body, id: Int(id) ?? -1)
        case ("metrics", "GET", let name?): return getMetadata(name)
        case ("metrics", "PUT", let name?): return putMetadata(name, request.body)
        default: return FakeDatadog.errors(405, ["Method not allowed"])
        }
    }

    /// The body as an object, checked by `bodyCheck`; else the 400.
    private func checked(_ body: [UInt8], model: Model) -> Result<FakeJSONObject, Refusal> {
        guard case .object(let object)? = try? FakeJSON.parse(body) else {
            return .failure(Refusal(response: FakeDatadog.errors(400, ["Invalid JSON"])))
        }
        if let check = state.withLock({ $0.bodyCheck }), let problem = check(model, String(decoding: body, as: UTF8.self)) {
            return .failure(Refusal(response: FakeDatadog.errors(400, [problem])))
        }
        return .success(object)
    }

    struct Refusal: Error { var response: LoopbackResponse }

    // MARK: Dashboards

    static func dashboardID(_ number: Int) -> String {
        let digits = String(number, radix: 36)
        let padded = String(repeating: "0", count: max(0, 9 - digits.count)) + digits
        let characters = Array(padded)
        return String(characters[0..<3]) + "-" + String(characters[3..<6]) + "-" + String(characters[6..<9])
    }

    /// What Datadog stores: the body with an id, author, dates, and an id on every widget.
    static func stored(dashboard object: FakeJSONObject, id: String) -> FakeJSON {
        var object = object
        var widgetID = 1
        func numbered(_ widgets: FakeJSON) -> FakeJSON {
            guard case .array(let items) = widgets else { return widgets }
            return .array(
                items.map { item in
                    guard case .object(var widget) = item else { return item }
                    widget.set("id", .number(Double(widgetID), isInteger: true))
                    widgetID += 1
                    if case .object(var definition)? = widget["definition"], let inner = definition["widgets"] {
                        definition.set("widgets", numbered(inner))
                        widget.set("definition", .object(definition))
                    }
                    return .object(widget)
                })
        }
        if let widgets = object["widgets"] { object.set("widgets", numbered(widgets)) }
        object.set("id", .string(id))
        object.set("author_handle", .string("fake@example.com"))
        object.set("created_at", .string("2026-01-01T00:00:00.000000+00:00"))
        object.set("modified_at", .string("2026-01-01T00:00:00.000000+00:00"))
        object.set("url", .string("/dashboard/\(id)"))
        return .object(object)
    }

    private func listDashboards(_ query: [String: String]) -> LoopbackResponse {
        let start = Int(query["start"] ?? "") ?? 0
        let count = Int(query["count"] ?? "") ?? 100
        let all = state.withLock { $0.dashboards }
        let page = all.dropFirst(start).prefix(count).map { entry -> FakeJSON in
            var summary = FakeJSONObject([])
            for key in ["id", "title", "description", "layout_type", "url", "author_handle", "created_at", "modified_at"] {
                summary.set(key, entry.body[key])
            }
            summary.set("is_read_only", .bool(false))
            return .object(summary)
        }
        return .json(FakeJSON.object(FakeJSONObject([("dashboards", .array(Array(page)))])).text)
    }

    private func getDashboard(_ id: String) -> LoopbackResponse {
        guard let found = state.withLock({ state in state.dashboards.first { $0.id == id }?.body }) else {
            return FakeDatadog.errors(404, ["Dashboard not found"])
        }
        return .json(found.text)
    }

    private func write(dashboard body: [UInt8], id: String?) -> LoopbackResponse {
        let object: FakeJSONObject
        switch checked(body, model: .dashboard) {
        case .success(let valid): object = valid
        case .failure(let refusal): return refusal.response
        }
        return state.withLock { state in
            if let id {
                guard let index = state.dashboards.firstIndex(where: { $0.id == id }) else {
                    return FakeDatadog.errors(404, ["Dashboard not found"])
                }
                state.dashboards[index].body = Self.stored(dashboard: object, id: id)
                return .json(state.dashboards[index].body.text)
            }
            let id = Self.dashboardID(state.nextID)
            state.nextID += 1
            state.dashboards.append((id, Self.stored(dashboard: object, id: id)))
            return .json(state.dashboards.last!.body.text)
        }
    }

    private func deleteDashboard(_ id: String) -> LoopbackResponse {
        state.withLock { state in
            guard let index = state.dashboards.firstIndex(where: { $0.id == id }) else {
                return FakeDatadog.errors(404, ["Dashboard not found"])
            }
            state.dashboards.remove(at: index)
            return .json(#"{"deleted_dashboard_id":"\#(id)"}"#)
        }
    }

    // MARK: Monitors

    /// What Datadog stores: the body with an id, dates, a state, and option defaults filled in.
    static func stored(monitor object: FakeJSONObject, id: Int) -> FakeJSON {
        var object = object
        var options = object["options"].flatMap { if case .object(let o) = $0 { o } else { nil } } ?? FakeJSONObject([])
        for (key, value) in [
            ("notify_audit", FakeJSON.bool(false)), ("new_host_delay", .number(300, isInteger: true)),
            ("silenced", .object(FakeJSONObject([]))), ("include_tags", .bool(true)),
        ] where options[key] == nil {
            options.set(key, value)
        }
        object.set("options", .object(options))
        object.set("id", .number(Double(id), isInteger: true))
        object.set("created", .string("2026-01-01T00:00:00.000000+00:00"))
        object.set("modified", .string("2026-01-01T00:00:00.000000+00:00"))
        object.set("overall_state", .string("No Data"))
        object.set("multi", .bool(true))
        if object["tags"] == nil { object.set("tags", .array([])) }
        return .object(object)
    }

    private func listMonitors(_ query: [String: String]) -> LoopbackResponse {
        let wanted = (query["monitor_tags"] ?? "").split(separator: ",").map(String.init)
        let all = state.withLock { $0.monitors }
        let matching = all.filter { entry in
            let tags = entry.body["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return wanted.allSatisfy(tags.contains)
        }
        return .json(FakeJSON.array(matching.map(\.body)).text)
    }

    private func write(monitor body: [UInt8], id: Int?) -> LoopbackResponse {
        let object: FakeJSONObject
        switch checked(body, model: .monitor) {
        case .success(let valid): object = valid
        case .failure(let refusal): return refusal.response
        }
        return state.withLock { state in
            if let id {
                guard let index = state.monitors.firstIndex(where: { $0.id == id }) else {
                    return FakeDatadog.errors(404, ["Monitor not found"])
                }
                state.monitors[index].body = Self.stored(monitor: object, id: id)
                return .json(state.monitors[index].body.text)
            }
            let id = 1000 + state.nextID
            state.nextID += 1
            state.monitors.append((id, Self.stored(monitor: object, id: id)))
            return .json(state.monitors.last!.body.text)
        }
    }

    // MARK: Metric metadata

    private func getMetadata(_ name: String) -> LoopbackResponse {
        guard let found = state.withLock({ $0.metadata[name] }) else {
            return FakeDatadog.errors(404, ["Metric not found"])
        }
        return .json(found.text)
    }

    private func putMetadata(_ name: String, _ body: [UInt8]) -> LoopbackResponse {
        let object: FakeJSONObject
        switch checked(body, model: .metricMetadata) {
        case .success(let valid): object = valid
        case .failure(let refusal): return refusal.response
        }
        return state.withLock { state in
            var merged: FakeJSONObject
            if case .object(let existing)? = state.metadata[name] { merged = existing } else { merged = FakeJSONObject([]) }
            for pair in object.pairs { merged.set(pair.key, pair.value) }
            state.metadata[name] = .object(merged)
            return .json(FakeJSON.object(merged).text)
        }
    }
}

extension FakeDatadogObjects {
    /// Changes a stored dashboard as someone editing it in Datadog would.
    public func edit(dashboard id: String, _ change: (inout FakeJSONObject) -> Void) {
        state.withLock { state in
            guard let index = state.dashboards.firstIndex(where: { $0.id == id }),
                case .object(var object) = state.dashboards[index].body
            else { return }
            change(&object)
            state.dashboards[index].body = .object(object)
        }
    }

    /// Changes a stored monitor as someone editing it in Datadog would.
    public func edit(monitor id: Int, _ change: (inout FakeJSONObject) -> Void) {
        state.withLock { state in
            guard let index = state.monitors.firstIndex(where: { $0.id == id }),
                case .object(var object) = state.monitors[index].body
            else { return }
            change(&object)
            state.monitors[index].body = .object(object)
        }
    }
}
