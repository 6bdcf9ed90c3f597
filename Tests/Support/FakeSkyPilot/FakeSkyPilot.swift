import Foundation
import LoopbackHTTP
import Synchronization

/// A fake of the SkyPilot API server (skypilot 0.14.1, API version 62) on the loopback server,
/// answering as the real one did in shared/fixtures/skypilot/real-exchange.md:
///
/// - Asynchronous reads: `POST /jobs/queue/v2`, `POST /jobs/queue` (legacy), `POST /status`,
///   `POST /cost_report` answer 200 `null` with the new request's id in `x-skypilot-request-id`;
///   `GET /api/get?request_id=ID` (a unique prefix is enough) waits until the request has
///   finished (each takes a random `requestDelay`) and answers its `RequestPayload` (200), or
///   500 `{"detail": RequestPayload}` when it failed; `return_value` and `error` are JSON-encoded
///   strings, `entrypoint`, `request_body` and the records' `handle`/`resources` base64
///   pickle-looking strings (`gASV…`). Unknown id 404, empty id 400, missing id 422.
/// - The jobs read honours `all_users` (missing or false: only the caller's jobs),
///   `skip_finished`, `limit`/`page` (by job) and `fields`; `/status` honours `all_users` and
///   puts a fake secret `credentials` object in every record unless `include_credentials` is
///   false; `/cost_report` honours `days`.
/// - `GET /api/health` as the real server's.
/// - Every answer, errors included, carries a fresh `x-skypilot-request-id`; a request that sends
///   both `X-SkyPilot-API-Version` and `X-SkyPilot-Version` gets `62` and `0.14.1` back.
/// - Auth (optional): a `sky_` service-account token and/or HTTP Basic, with the real server's
///   401 answers. The fake checks basic auth on every request, as the real server does behind a
///   proxy (from loopback the real server lets any request through without credentials).
/// - Switches: the jobs read fails with `ClusterNotUpError` or another error; the jobs value as
///   a bare list (older servers); every k-th request a fault (a status such as 503, or a dropped
///   connection); added latency.
public final class FakeSkyPilot: Sendable {
    public let data: FakeSkyPilotData
    /// The service-account token (`sky_…`) the fake accepts, if any.
    public let token: String?
    /// The HTTP Basic user and password the fake accepts, if any.
    public let basicUser: String?
    public let basicPassword: String?
    public let server: LoopbackServer
    private let state: Mutex<State>

    /// How the jobs read fails.
    public enum JobsFailure: Sendable, Equatable {
        /// The jobs controller is not up: 500 with `ClusterNotUpError`, "No in-progress managed jobs.".
        case clusterNotUp
        /// Any other error type (e.g. `RuntimeError`) and message.
        case error(type: String, message: String)
    }

    /// What an injected fault does.
    public enum Fault: Sendable, Equatable {
        /// Answers this status (e.g. 503) with `{"detail": "…"}`.
        case status(Int)
        /// Closes the connection without answering.
        case dropConnection
    }

    /// One request the fake received.
    public struct LoggedRequest: Sendable {
        public var method: String
        public var path: String
        /// `path?query` as sent.
        public var target: String
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: String
    }

    struct AsyncRequest {
        var id: String
        var name: String
        var createdAt: Double
        var finishedAt: Double
        var readyAt: ContinuousClock.Instant
        var userID: String
        var clusterName: String?
        /// Compact JSON of the value (success) or of the error object (failure).
        var returnValue: String
        var error: String?
    }

    struct State {
        var log: [LoggedRequest] = []
        var requests: [AsyncRequest] = []
        var faultEvery = 0
        var fault = Fault.status(503)
        var jobsFailure: JobsFailure?
        var jobsBareList = false
        var latency = Duration.zero
        var requestDelay: ClosedRange<Int> = 50...300
        var random: SplitMix64
    }

    /// The fake answers as the server's user `fcd1e5cf`; with a token, as the service account.
    public static let serviceAccountID = "sa-2d1f858a9bcc28ba"
    public static let apiVersion = "62"
    public static let version = "0.14.1"
    public static let commit = "7e595970a806dcc9eefadf459f399edf1733e962"
    /// See `FakeSkyPilotWire.secretKeyMarker`: in every cluster record served with credentials.
    public static let secretKeyMarker = FakeSkyPilotWire.secretKeyMarker
    /// The fake bcrypt hash `/api/health` serves as a basic user's `password` (as the real one does).
    public static let fakePasswordHash = "$2b$12$FAKEHASHfakehashFAKEHASHfakehashFAKEHASHfakeha"

    /// Serves `data` on 127.0.0.1 (`port` 0: an ephemeral one). `token` (`sky_…`) and/or
    /// `basicAuth` turn authentication on; `requestDelay` is how long each async request takes,
    /// in milliseconds, drawn per request from a generator seeded with `seed`.
    public init(
        data: FakeSkyPilotData, token: String? = nil, basicAuth: (user: String, password: String)? = nil,
        port: UInt16 = 0, requestDelay: ClosedRange<Int> = 50...300, seed: UInt64 = 1
    ) throws {
        self.data = data
        self.token = token
        self.basicUser = basicAuth?.user
        self.basicPassword = basicAuth?.password
        self.state = Mutex(State(requestDelay: requestDelay, random: SplitMix64(seed: seed)))
        let box = Box()
        server = try LoopbackServer(port: port) { request in box.fake?.answer(request) ?? LoopbackResponse(status: 503) }
        box.set(self)
    }

    public var baseURL: String { server.baseURL }

    public func stop() { server.stop() }

    // MARK: Switches

    /// Every `period`-th request (1-based, counting every request) gets `fault`; 0 turns faults off.
    public func injectFaults(every period: Int, _ fault: Fault = .status(503)) {
        state.withLock {
            $0.faultEvery = period
            $0.fault = fault
        }
    }

    /// Makes the jobs reads submitted from now on fail (nil: succeed again).
    public func failJobs(_ failure: JobsFailure?) { state.withLock { $0.jobsFailure = failure } }

    /// The jobs value of `/jobs/queue/v2` as a bare list of rows (older servers) instead of
    /// `{"jobs", "total", …}`.
    public func serveJobsAsBareList(_ on: Bool = true) { state.withLock { $0.jobsBareList = on } }

    /// Time added before every answer.
    public func setLatency(_ latency: Duration) { state.withLock { $0.latency = latency } }

    /// How long each async request submitted from now on takes, in milliseconds.
    public func setRequestDelay(milliseconds range: ClosedRange<Int>) { state.withLock { $0.requestDelay = range } }

    // MARK: What was asked

    /// Every request received so far, in order (faults included).
    public var requests: [LoggedRequest] { state.withLock { $0.log } }

    /// The bodies sent to `path` (e.g. "/jobs/queue/v2"), in order.
    public func bodies(of path: String) -> [String] { requests.filter { $0.path == path }.map(\.body) }

    /// The expected metrics of the data, given the current jobs switch: with ClusterNotUpError
    /// there are no jobs.
    public var expectedMetrics: [FakeSkyPilotPoint] {
        data.expectedMetrics(jobsAvailable: state.withLock { $0.jobsFailure } != .clusterNotUp)
    }

    // MARK: Answering

    func answer(_ request: HTTPRequestHead) -> LoopbackResponse {
        let body = String(decoding: request.body, as: UTF8.self)
        let (number, faultEvery, fault, latency) = state.withLock { state in
            state.log.append(
                LoggedRequest(
                    method: request.method, path: request.path, target: request.target, headers: request.headers,
                    body: body))
            return (state.log.count, state.faultEvery, state.fault, state.latency)
        }
        var response: LoopbackResponse
        if faultEvery > 0, number % faultEvery == 0 {
            switch fault {
            case .status(let status):
                response = Self.detail("Injected fault \(status)", status: status)
            case .dropConnection:
                response = LoopbackResponse()
                response.dropConnection = true
            }
        } else {
            response = route(request)
        }
        // A fresh id on every answer; a 200 submit's names its new request.
        if response.header("x-skypilot-request-id") == nil {
            response.headers.append(("x-skypilot-request-id", UUID().uuidString.lowercased()))
        }
        if request.headers["x-skypilot-api-version"] != nil, request.headers["x-skypilot-version"] != nil {
            response.headers.append(("x-skypilot-api-version", Self.apiVersion))
            response.headers.append(("x-skypilot-version", Self.version))
        }
        response.delay += latency
        return response
    }

    enum Caller {
        case anonymous, serviceAccount, basic
    }

    func route(_ request: HTTPRequestHead) -> LoopbackResponse {
        let caller: Caller
        switch authenticate(request) {
        case .success(let who): caller = who
        case .failure(let denial): return denial.response
        }
        let posts = ["/status", "/jobs/queue/v2", "/jobs/queue", "/cost_report"]
        let gets = ["/api/get", "/api/health"]
        if posts.contains(request.path) || gets.contains(request.path) {
            let allowed = posts.contains(request.path) ? "POST" : "GET"
            guard request.method == allowed else {
                var response = Self.detail("Method Not Allowed", status: 405)
                response.headers.append(("allow", allowed))
                return response
            }
        }
        switch request.path {
        case "/api/health": return health(caller)
        case "/api/get": return get(request)
        case let path where posts.contains(path): return submit(request, caller: caller)
        default: return Self.detail("Not Found", status: 404)
        }
    }

    // MARK: Auth

    struct Denial: Error {
        var response: LoopbackResponse
    }

    func authenticate(_ request: HTTPRequestHead) -> Result<Caller, Denial> {
        let authConfigured = token != nil || basicUser != nil
        let noStore = ("cache-control", "no-store")
        let basicChallenge = ("www-authenticate", "Basic realm=\"SkyPilot\"")
        /// The proxy-side answers are a bare JSON string.
        func refuse(_ message: String) -> Result<Caller, Denial> {
            .failure(Denial(response: .json("\"\(message)\"", status: 401, headers: [basicChallenge, noStore])))
        }
        let authorization = request.headers["authorization"] ?? ""
        if authorization.hasPrefix("Bearer ") {
            let presented = String(authorization.dropFirst("Bearer ".count))
            if presented.hasPrefix("sky_") {
                if let token, presented == token { return .success(.serviceAccount) }
                guard authConfigured else { return .success(.anonymous) }
                var response = Self.detail("Invalid or expired service account token", status: 401)
                response.headers.append(noStore)
                return .failure(Denial(response: response))
            }
            if authConfigured { return refuse("Invalid authentication method") }
        } else if authorization.lowercased().hasPrefix("basic "), let basicUser, let basicPassword {
            let encoded = String(authorization.dropFirst("basic ".count))
            let decoded = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
            if decoded == "\(basicUser):\(basicPassword)" { return .success(.basic) }
            return refuse("Invalid credentials")
        }
        // No (usable) credentials: the health check is open, everything else needs them.
        guard authConfigured, request.path != "/api/health" else { return .success(.anonymous) }
        if basicUser != nil { return refuse("Authentication required") }
        var response = Self.detail("Authentication required", status: 401)
        response.headers.append(noStore)
        return .failure(Denial(response: response))
    }

    func health(_ caller: Caller) -> LoopbackResponse {
        let user: FakeSkyPilotJSON
        switch caller {
        case .anonymous: user = .null
        case .serviceAccount:
            user = .object([
                ("id", .string(Self.serviceAccountID)), ("name", "svc_collector"), ("password", .null),
                ("created_at", .null), ("user_type", .null), ("preferred_workspace", .null),
            ])
        case .basic:
            user = .object([
                ("id", "b45c0e7d"), ("name", .string(basicUser ?? "")), ("password", .string(Self.fakePasswordHash)),
                ("created_at", .null), ("user_type", .null), ("preferred_workspace", .null),
            ])
        }
        let body: FakeSkyPilotJSON = .object([
            ("status", "healthy"), ("api_version", .string(Self.apiVersion)), ("version", .string(Self.version)),
            ("version_on_disk", .string(Self.version)), ("commit", .string(Self.commit)),
            ("basic_auth_enabled", .bool(basicUser != nil)), ("user", user),
            ("service_account_token_enabled", .bool(token != nil)), ("ingress_basic_auth_enabled", false),
            ("latest_version", .null), ("external_proxy_auth_enabled", true), ("telemetry_enabled", false),
            ("restrict_config_to_admins", true),
        ])
        return .json(body.text)
    }

    // MARK: Submitting

    /// What a request ends with: its value, or its error object.
    enum Outcome {
        case value(FakeSkyPilotJSON)
        case failure(FakeSkyPilotJSON)
    }

    func submit(_ request: HTTPRequestHead, caller: Caller) -> LoopbackResponse {
        guard !request.body.isEmpty else {
            return Self.validation(#"{"type":"missing","loc":["body"],"msg":"Field required","input":null}"#)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return Self.validation(
                #"{"type":"json_invalid","loc":["body",\#(request.body.count)],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}"#
            )
        }
        if let refresh = object["refresh"], !["NONE", "AUTO", "FORCE"].contains(refresh as? String ?? "") {
            let input = FakeSkyPilotJSON.optional(refresh as? String).text
            return Self.validation(
                #"{"type":"enum","loc":["body","refresh"],"msg":"Input should be 'NONE', 'AUTO' or 'FORCE'","input":\#(input),"ctx":{"expected":"'NONE', 'AUTO' or 'FORCE'"}}"#
            )
        }
        let allUsers = object["all_users"] as? Bool ?? false
        let userID = caller == .serviceAccount ? Self.serviceAccountID : FakeSkyPilotData.serverUserHash
        let (jobsFailure, bareList) = state.withLock { ($0.jobsFailure, $0.jobsBareList) }
        var name: String
        var clusterName: String?
        var outcome: Outcome
        switch request.path {
        case "/status":
            name = "sky.status"
            let credentials = object["include_credentials"] as? Bool != false
            let clusters = data.clusters.filter { allUsers || $0.userHash == data.callerUserHash }
            outcome = .value(.array(clusters.map { FakeSkyPilotWire.cluster($0, credentials: credentials) }))
        case "/cost_report":
            name = "sky.cost_report"
            let days = object["days"] as? Int ?? 30
            outcome = .value(.array(data.costRecords(days: days).map(FakeSkyPilotWire.cost)))
        default:
            let legacy = request.path == "/jobs/queue"
            name = legacy ? "sky.jobs.queue" : "sky.jobs.queue_v2"
            clusterName = "sky-jobs-controller-\(FakeSkyPilotData.serverUserHash)"
            if let jobsFailure {
                let (type, message) =
                    switch jobsFailure {
                    case .clusterNotUp: ("ClusterNotUpError", "No in-progress managed jobs.")
                    case .error(let type, let message): (type, message)
                    }
                outcome = .failure(
                    .object([
                        ("object", .string(FakeSkyPilotJSON.pickle("error:" + type, length: 1_200))),
                        ("type", .string(type)), ("message", .string(message)),
                    ]))
            } else if legacy {
                outcome = .value(.array(jobRows(allUsers: allUsers, skipFinished: false).map(FakeSkyPilotWire.legacyJobRow)))
            } else {
                outcome = jobsValue(object, allUsers: allUsers, bareList: bareList)
            }
        }
        let id = UUID().uuidString.lowercased()
        let now = Date().timeIntervalSince1970
        state.withLock { state in
            let delay = Int.random(in: state.requestDelay, using: &state.random)
            let (value, error): (String, String?) =
                switch outcome {
                case .value(let value): (value.text, nil)
                case .failure(let error): ("null", error.text)
                }
            state.requests.append(
                AsyncRequest(
                    id: id, name: name, createdAt: now, finishedAt: now + Double(delay) / 1_000,
                    readyAt: .now + .milliseconds(delay), userID: userID, clusterName: clusterName, returnValue: value,
                    error: error))
        }
        return .json("null", headers: [("x-skypilot-request-id", id)])
    }

    /// The rows the jobs read lists: the caller's only unless `all_users`; with `skip_finished`
    /// only the jobs with a task not finished (all their rows). Job id descending, task id ascending.
    func jobRows(allUsers: Bool, skipFinished: Bool) -> [FakeSkyPilotJobRow] {
        var rows = data.jobs.filter { allUsers || $0.userHash == data.callerUserHash }
        if skipFinished {
            let live = Set(
                rows.filter { !FakeSkyPilotData.terminalJobStatuses.contains($0.status) }.map(\.jobID))
            rows = rows.filter { live.contains($0.jobID) }
        }
        return rows.sorted { ($0.jobID, -$0.taskID) > ($1.jobID, -$1.taskID) }
    }

    func jobsValue(_ body: [String: Any], allUsers: Bool, bareList: Bool) -> Outcome {
        var rows = jobRows(allUsers: allUsers, skipFinished: body["skip_finished"] as? Bool ?? false)
        var counts: [String: Int] = [:]
        for row in rows { counts[row.status, default: 0] += 1 }
        if let statuses = body["statuses"] as? [String] { rows = rows.filter { statuses.contains($0.status) } }
        var jobIDs: [Int] = []
        for row in rows where jobIDs.last != row.jobID { jobIDs.append(row.jobID) }
        let total = jobIDs.count
        if let limit = body["limit"] as? Int {
            guard limit >= 1 else {
                return .failure(
                    .object([
                        ("object", .string(FakeSkyPilotJSON.pickle("error:ValueError", length: 800))),
                        ("type", "ValueError"), ("message", .string("Limit must be at least 1, got \(limit)")),
                    ]))
            }
            let page = max(1, body["page"] as? Int ?? 1)
            let kept = Set(jobIDs.dropFirst((page - 1) * limit).prefix(limit))
            rows = rows.filter { kept.contains($0.jobID) }
        }
        let rowIDs = Dictionary(
            data.jobs.enumerated().map { ("\($0.element.jobID)/\($0.element.taskID)", $0.offset + 1) },
            uniquingKeysWith: { first, _ in first })
        let fields = body["fields"] as? [String]
        let rendered: [FakeSkyPilotJSON] = rows.map { row in
            var pairs = FakeSkyPilotWire.jobRow(row, rowID: rowIDs["\(row.jobID)/\(row.taskID)"] ?? 0)
            if let fields {
                // The server keeps job_id, task_id and status, but selects task_id only when asked.
                let wanted = Set(fields).union(["job_id", "task_id", "status"])
                pairs = pairs.filter { wanted.contains($0.0) }
                if !fields.contains("task_id") {
                    pairs = pairs.map { $0.0 == "task_id" ? ("task_id", .null) : $0 }
                }
            }
            return .object(pairs)
        }
        if bareList { return .value(.array(rendered)) }
        let infra = Set(rows.map { "aws/\($0.region)" }).sorted().map { FakeSkyPilotJSON.string($0) }
        return .value(
            .object([
                ("jobs", .array(rendered)), ("total", .int(total)), ("total_no_filter", .int(data.jobs.count)),
                ("status_counts", .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("infra_options", .array(infra)),
            ]))
    }

    // MARK: Waiting

    func get(_ request: HTTPRequestHead) -> LoopbackResponse {
        guard let wanted = request.query["request_id"] else {
            return Self.validation(#"{"type":"missing","loc":["query","request_id"],"msg":"Field required","input":null}"#)
        }
        let matches = state.withLock { state in state.requests.filter { $0.id.hasPrefix(wanted) } }
        guard !matches.isEmpty else { return Self.detail("Request '\(wanted)' not found", status: 404) }
        guard matches.count == 1, let found = matches.first else {
            return Self.detail("Multiple requests found for request ID prefix: \(wanted)", status: 400)
        }
        let payload: FakeSkyPilotJSON = .object([
            ("request_id", .string(found.id)), ("name", .string(found.name)),
            ("entrypoint", .string(FakeSkyPilotJSON.pickle("entrypoint:" + found.name, length: 30))),
            ("request_body", .string(FakeSkyPilotJSON.pickle("body:" + found.id, length: 780))),
            ("status", found.error == nil ? "SUCCEEDED" : "FAILED"), ("created_at", .double(found.createdAt)),
            ("user_id", .string(found.userID)), ("return_value", .string(found.returnValue)),
            ("error", .string(found.error ?? "null")), ("pid", 23860), ("schedule_type", "short"), ("user_name", .null),
            ("cluster_name", .optional(found.clusterName)), ("status_msg", .null), ("should_retry", false),
            ("finished_at", .double(found.finishedAt)), ("file_mounts_blob_id", .null),
        ])
        var response =
            found.error == nil
            ? LoopbackResponse.json(payload.text) : .json(FakeSkyPilotJSON.object([("detail", payload)]).text, status: 500)
        // The long poll: answer when the request has finished.
        let remaining = ContinuousClock.now.duration(to: found.readyAt)
        if remaining > .zero { response.delay = remaining }
        return response
    }

    // MARK: Bodies

    static func detail(_ message: String, status: Int) -> LoopbackResponse {
        .json(FakeSkyPilotJSON.object([("detail", .string(message))]).text, status: status)
    }

    static func validation(_ item: String) -> LoopbackResponse { .json(#"{"detail":[\#(item)]}"#, status: 422) }

    /// Breaks the cycle server → handler → fake: the handler holds the fake weakly.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private weak var value: FakeSkyPilot?
        var fake: FakeSkyPilot? { lock.withLock { value } }
        func set(_ fake: FakeSkyPilot) { lock.withLock { value = fake } }
    }
}
