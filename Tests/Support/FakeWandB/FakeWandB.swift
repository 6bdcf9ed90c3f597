import Foundation
import LoopbackHTTP
import Synchronization

/// One request the fake W&B answered: what was asked and how it was answered.
public struct FakeWandBRequest: Sendable {
    /// The HTTP status answered.
    public var status: Int
    /// The query text, when the body was JSON with a `query` string.
    public var query: String?
    /// The parsed query, when it parsed.
    public var operation: GraphQLQuery?
    /// The body's `variables`, as sent.
    public var variables: [String: GraphQLValue]
    /// `entity/project` of every `project(…)` field of the query (arguments resolved with the variables).
    public var projects: [String]
    /// The dotted paths selected under `project { runs { edges { node { … } } } }`, e.g. `state`,
    /// `user.username`, `runInfo.gpuCount` (aliases ignored, `__typename` included).
    public var runFields: Set<String>
    /// The `after` cursor of the first `runs(…)` field, when sent.
    public var after: String?
    /// True when the answer was an injected fault (429 or 5xx) rather than the API's.
    public var injectedFault: Bool
}

/// A fake of the Weights & Biases GraphQL API on the loopback server:
///
/// - `POST /graphql` with `{"query", "variables"}`; HTTP Basic with user `api` and an accepted key,
///   else 401 `{"errors":[{"message":"user is not logged in"}]}` (a revoked key too).
/// - queries parsed (`GraphQLQuery`) and validated against the schema of `FakeWandBSchema`: a query
///   that does not parse or asks for an unknown field or argument is 400 with `errors` and `locations`.
/// - `project(name:, entityName:)`: null for an unknown project; `runs(filters:, order:, first:, after:)`
///   filtered (`RunFilter`), ordered with opaque position cursors (`RunOrder`), pages of `first`
///   (default 50, clamped to `maxPageSize`); a bad filter, order or cursor is a GraphQL error (HTTP 200,
///   `data: null`).
/// - faults injectable at runtime: every k-th request 429 (with `RateLimit-*` headers) or 5xx; a project
///   answering a GraphQL error; a latency on every answer.
/// - a log of every request (`requests`).
public final class FakeWandB: Sendable {
    public let server: LoopbackServer
    /// The key accepted from the start (`addKey` accepts more).
    public let apiKey: String
    private let state: Mutex<State>

    struct State {
        var data: FakeWandBData
        var keys: Set<String>
        var revoked: Set<String> = []
        var maxPageSize: Int
        var requests: [FakeWandBRequest] = []
        var received = 0
        var faultEvery = 0
        var faultStatus = 429
        var rateLimitReset = 0
        var failingProjects: [String: String] = [:]
        var latencyMilliseconds = 0
    }

    /// The default API key.
    public static let defaultKey = "wandb-test-key"

    public init(data: FakeWandBData, apiKey: String = FakeWandB.defaultKey, maxPageSize: Int = 100, port: UInt16 = 0) throws {
        self.apiKey = apiKey
        let state = Mutex(State(data: data, keys: [apiKey], maxPageSize: maxPageSize))
        self.state = state
        let box = Box()
        server = try LoopbackServer(port: port) { request in box.fake?.answer(request) ?? LoopbackResponse(status: 503) }
        box.set(self)
    }

    /// `http://127.0.0.1:PORT`, the `WANDB_BASE_URL`; the API is `baseURL + "/graphql"`.
    public var baseURL: String { server.baseURL }

    /// The data served now.
    public var data: FakeWandBData { state.withLock { $0.data } }

    /// Changes the data between requests (e.g. a run that starts while a client pages).
    public func updateData(_ change: (inout FakeWandBData) -> Void) {
        state.withLock { change(&$0.data) }
    }

    /// Every request answered so far, in order (faults and refusals included).
    public var requests: [FakeWandBRequest] { state.withLock { $0.requests } }

    /// The requests that asked for project `path` (`entity/project`).
    public func requests(forProject path: String) -> [FakeWandBRequest] { requests.filter { $0.projects.contains(path) } }

    /// Forgets the request log (and the fault counter's position).
    public func clearRequests() {
        state.withLock {
            $0.requests = []
            $0.received = 0
        }
    }

    /// Accepts another API key as well.
    public func addKey(_ key: String) { state.withLock { _ = $0.keys.insert(key) } }

    /// Revokes a key: requests with it are 401 as with a wrong key.
    public func revokeKey(_ key: String) { state.withLock { _ = $0.revoked.insert(key) } }

    /// The largest page `runs(first:)` returns; larger `first` values are clamped to it.
    public func setMaxPageSize(_ size: Int) { state.withLock { $0.maxPageSize = size } }

    /// Every `period`-th request (1-based, counting every request) answers `status` instead: 429 with
    /// `RateLimit-Reset: resetSeconds`, `RateLimit-Limit`, `RateLimit-Remaining: 0`, or a 5xx. 0 turns
    /// faults off.
    public func injectFaults(every period: Int, status: Int = 429, resetSeconds: Int = 0) {
        state.withLock {
            $0.faultEvery = period
            $0.faultStatus = status
            $0.rateLimitReset = resetSeconds
        }
    }

    /// Makes `project(…)` of `path` answer a GraphQL error (HTTP 200, `errors` with `message`, the
    /// project null); nil message restores it.
    public func failProject(_ path: String, message: String? = "project is temporarily unavailable") {
        state.withLock { $0.failingProjects[path] = message }
    }

    /// Delays every answer by `milliseconds`.
    public func setLatency(milliseconds: Int) { state.withLock { $0.latencyMilliseconds = milliseconds } }

    public func stop() { server.stop() }

    // MARK: Answering.

    func answer(_ request: HTTPRequestHead) -> LoopbackResponse {
        let snapshot = state.withLock { state -> State in
            state.received += 1
            var copy = state
            copy.requests = []  // so the log's buffer stays uniquely referenced
            return copy
        }
        var entry = Self.describe(request)
        var response = respond(request, snapshot, &entry)
        entry.status = response.status
        response.delay = .milliseconds(snapshot.latencyMilliseconds)
        state.withLock { $0.requests.append(entry) }
        return response
    }

    private func respond(_ request: HTTPRequestHead, _ state: State, _ entry: inout FakeWandBRequest) -> LoopbackResponse {
        if state.faultEvery > 0, state.received % state.faultEvery == 0 {
            entry.injectedFault = true
            if state.faultStatus == 429 {
                return .json(
                    Self.errors([GraphQLError("rate limit exceeded")]), status: 429,
                    headers: [
                        ("RateLimit-Limit", "100"), ("RateLimit-Remaining", "0"),
                        ("RateLimit-Reset", String(state.rateLimitReset)),
                    ])
            }
            return .json(Self.errors([GraphQLError("Injected fault \(state.faultStatus)")]), status: state.faultStatus)
        }
        let path = request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        guard path == "/graphql" else { return .json(Self.errors([GraphQLError("not found")]), status: 404) }
        guard request.method == "POST" else {
            return .json(Self.errors([GraphQLError("method not allowed")]), status: 405, headers: [("Allow", "POST")])
        }
        guard let key = Self.basicPassword(request.headers["authorization"]), state.keys.contains(key),
            !state.revoked.contains(key)
        else { return .json(Self.errors([GraphQLError("user is not logged in")]), status: 401) }
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .json(Self.errors([GraphQLError("request body must be a JSON object")]), status: 400)
        }
        guard let text = body["query"] as? String else {
            return .json(Self.errors([GraphQLError("Must provide query string.")]), status: 400)
        }
        if let variables = body["variables"], !(variables is NSNull), !(variables is [String: Any]) {
            return .json(Self.errors([GraphQLError("variables must be an object")]), status: 400)
        }
        let query: GraphQLQuery
        do {
            query = try GraphQLQuery(parsing: text)
        } catch {
            return .json(Self.errors([GraphQLError(error.message, line: error.line, column: error.column)]), status: 400)
        }
        let problems = FakeWandBSchema.validate(query)
        guard problems.isEmpty else { return .json(Self.errors(problems), status: 400) }
        let variables: [String: GraphQLValue]
        do {
            variables = try FakeWandBSchema.coerceVariables(query, entry.variables)
        } catch {
            return .json(Self.errors([error]), status: 400)
        }
        do {
            let (data, errors) = try FakeWandBSchema.execute(
                query, variables: variables, data: state.data, maxPageSize: state.maxPageSize,
                failingProjects: state.failingProjects)
            var answer: [String: Any] = ["data": data]
            if !errors.isEmpty { answer["errors"] = errors.map(\.json) }
            return .json(Self.text(answer))
        } catch {
            return .json(Self.text(["data": NSNull(), "errors": [error.json]]))
        }
    }

    /// What the log keeps of a request, read from its body before it is answered.
    static func describe(_ request: HTTPRequestHead) -> FakeWandBRequest {
        var entry = FakeWandBRequest(
            status: 0, query: nil, operation: nil, variables: [:], projects: [], runFields: [], after: nil, injectedFault: false)
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return entry }
        entry.query = body["query"] as? String
        if let variables = body["variables"] as? [String: Any] {
            entry.variables = variables.mapValues { GraphQLValue.fromJSON($0) }
        }
        guard let text = entry.query, let query = try? GraphQLQuery(parsing: text) else { return entry }
        entry.operation = query
        for project in query.selections where project.name == "project" {
            let name = FakeWandBSchema.resolve(project.arguments["name"], entry.variables).stringValue ?? ""
            let entity = FakeWandBSchema.resolve(project.arguments["entityName"], entry.variables).stringValue ?? ""
            entry.projects.append("\(entity)/\(name)")
            for runs in project.selections where runs.name == "runs" {
                if entry.after == nil {
                    entry.after = FakeWandBSchema.resolve(runs.arguments["after"], entry.variables).stringValue
                }
                for edges in runs.selections where edges.name == "edges" {
                    for node in edges.selections where node.name == "node" {
                        entry.runFields.formUnion(paths(node.selections, prefix: ""))
                    }
                }
            }
        }
        return entry
    }

    static func paths(_ fields: [GraphQLField], prefix: String) -> Set<String> {
        var result: Set<String> = []
        for field in fields {
            let path = prefix + field.name
            if field.selections.isEmpty {
                result.insert(path)
            } else {
                result.formUnion(paths(field.selections, prefix: path + "."))
            }
        }
        return result
    }

    /// The password of `Authorization: Basic base64(api:PASSWORD)`; nil for another scheme or user.
    static func basicPassword(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let text = String(decoding: decoded, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":"), text[..<colon] == "api" else { return nil }
        return String(text[text.index(after: colon)...])
    }

    static func errors(_ errors: [GraphQLError]) -> String { text(["errors": errors.map(\.json)]) }

    static func text(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Breaks the cycle server → handler → fake: the handler holds the fake weakly.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private weak var value: FakeWandB?
        var fake: FakeWandB? { lock.withLock { value } }
        func set(_ fake: FakeWandB) { lock.withLock { value = fake } }
    }
}
