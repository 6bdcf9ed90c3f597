import Foundation
import LoopbackHTTP
import Synchronization

/// A fake of the Asana REST API on the loopback server, answering as Asana documents:
///
/// - `GET /projects/{gid}` and `GET /tasks?project=…&completed_since=…&limit=…&offset=…&opt_fields=…`,
///   answers wrapped in `{"data": …}`; `next_page` (`{offset, path, uri}`) only when `limit` is sent;
///   `opt_fields` honoured (only those fields, and `gid`, returned; `assignee` is `{gid, resource_type}`);
///   `completed_since` honoured (incomplete tasks plus those completed since).
/// - the bearer token checked: 401 `{"errors":[{"message":"Not Authorized"}]}`.
/// - an unknown project: 404 with Asana's `{"errors": [{"message": …}]}`.
/// - injectable faults: every `faultEvery`-th request answers `faultStatus` (429 with `Retry-After`).
public final class FakeAsana: Sendable {
    public let data: FakeAsanaData
    public let token: String
    public let server: LoopbackServer
    /// Added to every answer (benchmarks use 40 ms, as for the fake GitHub).
    public let delay: Duration
    private let state: Mutex<State>

    struct State {
        var requests: [String] = []
        var faultEvery = 0
        var faultStatus = 429
    }

    public init(data: FakeAsanaData, token: String = "asana-test-token", delay: Duration = .zero, port: UInt16 = 0) throws {
        self.data = data
        self.token = token
        self.delay = delay
        let state = Mutex(State())
        self.state = state
        let box = Box()
        server = try LoopbackServer(port: port) { request in
            var response = box.fake?.answer(request) ?? LoopbackResponse(status: 503)
            response.delay = delay
            return response
        }
        box.set(self)
    }

    public var baseURL: String { server.baseURL }

    /// Every `period`-th request (1-based) answers `status` instead (429 carries `Retry-After: 0`); 0 turns faults off.
    public func injectFaults(every period: Int, status: Int) {
        state.withLock {
            $0.faultEvery = period
            $0.faultStatus = status
        }
    }

    /// The request targets served so far, in order (faults included).
    public var requests: [String] { state.withLock { $0.requests } }

    public func stop() { server.stop() }

    func answer(_ request: HTTPRequestHead) -> LoopbackResponse {
        let (number, faultEvery, faultStatus) = state.withLock { state in
            state.requests.append(request.target)
            return (state.requests.count, state.faultEvery, state.faultStatus)
        }
        if faultEvery > 0, number % faultEvery == 0 {
            let headers = faultStatus == 429 ? [("Retry-After", "0")] : []
            return .json(Self.errors("Injected fault \(faultStatus)"), status: faultStatus, headers: headers)
        }
        guard request.headers["authorization"] == "Bearer \(token)" else {
            return .json(Self.errors("Not Authorized"), status: 401)
        }
        guard request.method == "GET" else { return .json(Self.errors("Method not allowed"), status: 405) }
        let fields = request.query["opt_fields"].map { Set($0.split(separator: ",").map(String.init)) }
        let parts = request.path.split(separator: "/").map(String.init)
        if parts.count == 2, parts[0] == "projects" {
            guard let project = data.projects.first(where: { $0.gid == parts[1] }) else { return Self.unknown(parts[1]) }
            var object: [String: Any] = ["gid": project.gid, "resource_type": "project", "name": project.name]
            if let fields { object = object.filter { $0.key == "gid" || fields.contains($0.key) } }
            return .json(Self.text(["data": object]))
        }
        if parts == ["tasks"] {
            return tasks(request, fields: fields)
        }
        return .json(Self.errors("No matching route for request"), status: 404)
    }

    private func tasks(_ request: HTTPRequestHead, fields: Set<String>?) -> LoopbackResponse {
        guard let project = request.query["project"] else {
            return .json(Self.errors("project: Missing input"), status: 400)
        }
        guard data.projects.contains(where: { $0.gid == project }) else { return Self.unknown(project) }
        var since: Double?
        if let text = request.query["completed_since"], text != "now" {
            guard let time = Self.parse(text) else {
                return .json(Self.errors("completed_since: Invalid date value: \(text)"), status: 400)
            }
            since = time
        }
        let listed = data.listed(project: project, completedSince: since)
        var start = 0
        if let offset = request.query["offset"] {
            guard offset.hasPrefix("eyJ"), let index = Int(offset.dropFirst(3)) else {
                return .json(Self.errors("offset: Your pagination token is invalid."), status: 400)
            }
            start = index
        }
        var end = listed.count
        var nextPage: Any = NSNull()
        if let limitText = request.query["limit"] {
            guard let limit = Int(limitText), (1...100).contains(limit) else {
                return .json(Self.errors("limit: Must be between 1 and 100"), status: 400)
            }
            end = min(listed.count, start + limit)
            if end < listed.count {
                let offset = "eyJ\(end)"
                var query = HTTPRequestHead.decodeQuery(request.rawQuery)
                query["offset"] = offset
                let path =
                    "/tasks?"
                    + query.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.escape($0.value))" }.joined(separator: "&")
                nextPage = ["offset": offset, "path": path, "uri": baseURL + path]
            }
        }
        let page = listed[min(start, listed.count)..<end].map { render($0, fields: fields) }
        return .json(Self.text(["data": page, "next_page": nextPage]))
    }

    private func render(_ task: FakeAsanaTask, fields: Set<String>?) -> [String: Any] {
        var object: [String: Any] = ["gid": task.gid, "resource_type": "task", "name": task.name]
        guard let fields else { return object }
        let nullable: (Any?) -> Any = { $0 ?? NSNull() }
        let all: [String: Any] = [
            "completed": task.completed,
            "completed_at": nullable(task.completedAt.map(FakeAsanaData.iso)),
            "created_at": FakeAsanaData.iso(task.createdAt),
            "modified_at": FakeAsanaData.iso(task.modifiedAt),
            "due_on": nullable(task.dueOn),
            "due_at": nullable(task.dueAt.map(FakeAsanaData.iso)),
            "assignee": nullable(task.assignee.map { ["gid": $0, "resource_type": "user"] }),
            "projects": task.projects.map { ["gid": $0, "resource_type": "project"] },
        ]
        object = object.filter { $0.key == "gid" || fields.contains($0.key) }
        for field in fields {
            let top = String(field.split(separator: ".").first ?? "")
            if let value = all[top] { object[top] = value }
        }
        return object
    }

    static func unknown(_ gid: String) -> LoopbackResponse {
        .json(Self.errors("project: Unknown object: \(gid)"), status: 404)
    }

    static func errors(_ message: String) -> String {
        text([
            "errors": [
                ["message": message, "help": "For more information on API status codes and how to handle them, read the docs."]
            ]
        ])
    }

    static func text(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// ISO 8601 with or without fractional seconds, or a date.
    static func parse(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    /// Breaks the cycle server → handler → fake: the handler holds the fake weakly.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private weak var value: FakeAsana?
        var fake: FakeAsana? { lock.withLock { value } }
        func set(_ fake: FakeAsana) { lock.withLock { value = fake } }
    }
}
