import LoopbackHTTP
import Synchronization

/// A fake Datadog API over real HTTP on 127.0.0.1: the metrics intake (`POST /api/v2/series`) and
/// key validation (`GET /api/v1/validate`, and `GET /api/v2/validate_keys` with the application
/// key), strict where Datadog is.
///
/// The intake checks `DD-API-KEY` (403 otherwise), the body's size on the wire (413 above 512,000
/// bytes), decompresses `gzip` or `deflate` (413 above 5,242,880 bytes decompressed), validates
/// the body against `MetricPayloadSchema` (400 with Datadog's `{"errors": […]}`), refuses more
/// than 10,000 points (413), and answers 202 `{"errors":[]}`. Every accepted point is recorded:
/// `series` counts how many times each (metric, tags, timestamp) arrived, which is how tests prove
/// "exactly once".
///
/// Dashboards, monitors and metric metadata are served by `objects` (`FakeDatadogObjects`), which
/// checks both API keys and, when a test sets a body check, Datadog's published models.
///
/// Tests script trouble: `fail(status:times:)`, `throttle(times:…)`, `inject(_:times:)`,
/// `isDown` (every connection dropped), `delay`, `neverAnswer()`, `stop()`, and points Datadog
/// refuses (`refuse(where:)`): a request carrying one is answered 400 as a whole, as Datadog does,
/// so a client must split its batch to find them.
public final class FakeDatadog: Sendable {
    public static let defaultAPIKey = "fake-dd-api-key-0123456789abcdef"
    public static let defaultApplicationKey = "fake-dd-app-key-fedcba9876543210"

    /// The intake's limits; tests shrink them to exercise batching without megabytes of data.
    public struct Limits: Sendable, Hashable {
        public var maxCompressedBytes: Int
        public var maxDecompressedBytes: Int
        public var maxPoints: Int

        public init(maxCompressedBytes: Int, maxDecompressedBytes: Int, maxPoints: Int) {
            self.maxCompressedBytes = maxCompressedBytes
            self.maxDecompressedBytes = maxDecompressedBytes
            self.maxPoints = maxPoints
        }

        public static let datadog = Limits(
            maxCompressedBytes: 512_000, maxDecompressedBytes: 5_242_880, maxPoints: 10_000)
    }

    /// What identifies a stored point: Datadog keeps one value per series and timestamp.
    public struct PointKey: Sendable, Hashable, CustomStringConvertible {
        public var metric: String
        /// Sorted: Datadog treats tags as a set.
        public var tags: [String]
        public var timestamp: Int64

        public init(metric: String, tags: [String], timestamp: Int64) {
            self.metric = metric
            self.tags = tags.sorted()
            self.timestamp = timestamp
        }

        public var description: String { "\(metric){\(tags.joined(separator: ","))}@\(timestamp)" }
    }

    /// A scripted answer to the next API requests, before any check.
    public enum Fault: Sendable {
        /// This status with a Datadog error body (and extra headers).
        case status(Int, headers: [(String, String)] = [])
        /// 429 with Datadog's rate-limit headers: `X-RateLimit-Reset` (seconds until the reset)
        /// and, when given, `Retry-After`.
        case throttle(retryAfter: Int?, rateLimitReset: Int?)
        /// The connection is closed without an answer.
        case dropConnection
        /// No fault: the request is answered normally (to space faults out).
        case pass
    }

    /// One request to the intake, as the fake saw and answered it.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var status: Int
        public var contentEncoding: String?
        public var contentType: String?
        /// Whether `DD-API-KEY` carried the right key.
        public var authenticated: Bool
        /// Body size as received, and decompressed (nil when it was not decompressed).
        public var wireBytes: Int
        public var decompressedBytes: Int?
        public var points: Int
        /// The `errors` the fake answered with.
        public var errors: [String]
        /// The headers the fake answered with (rate-limit headers, for instance).
        public var responseHeaders: [(String, String)] = []
    }

    private struct State {
        var faults: [Fault] = []
        var down = false
        var delay: Duration = .zero
        var requests: [Request] = []
        var received: [MetricPayloadSchema.Point] = []
        var series: [PointKey: Int] = [:]
        var latest: [PointKey: Double] = [:]
        var validateCount = 0
        var refusals: [Refusal] = []
        var onSeriesRequest: (@Sendable () -> Void)?
    }

    /// Points the intake refuses, and the error it answers with.
    private struct Refusal: Sendable {
        var matches: @Sendable (PointKey) -> Bool
        var message: String
    }

    public let apiKey: String
    public let limits: Limits
    /// Dashboards, monitors and metric metadata (`FakeDatadogObjects`).
    public let objects: FakeDatadogObjects
    private let state = Mutex(State())
    private let server: LoopbackServer

    /// Starts serving on an ephemeral port (or `port`, to come back where a stopped fake was).
    public init(
        apiKey: String = FakeDatadog.defaultAPIKey, applicationKey: String = FakeDatadog.defaultApplicationKey,
        limits: Limits = .datadog, port: UInt16 = 0
    ) throws {
        self.apiKey = apiKey
        self.limits = limits
        self.objects = FakeDatadogObjects(applicationKey: applicationKey)
        let box = Box()
        server = try LoopbackServer(port: port) { request in box.fake?.handle(request) ?? LoopbackResponse(status: 503)
        }
        box.set(self)
    }

    deinit { server.stop() }

    /// "http://127.0.0.1:PORT": what `DD_URL` (or the sink's `url`) should be.
    public var baseURL: String { server.baseURL }
    public var port: UInt16 { server.port }

    /// Stops listening: connections are refused until a new fake starts on `port`.
    public func stop() { server.stop() }

    // MARK: Scripting trouble

    /// The next `times` API requests get `status` (500, 503, …) with a Datadog error body.
    public func fail(status: Int = 503, times: Int) { inject(.status(status), times: times) }

    /// The next `times` API requests get 429 with `X-RateLimit-Reset` and, if given, `Retry-After`.
    public func throttle(times: Int, retryAfter: Int? = 1, rateLimitReset: Int? = 1) {
        inject(.throttle(retryAfter: retryAfter, rateLimitReset: rateLimitReset), times: times)
    }

    /// Drops every scripted fault not yet used: the intake is healthy again.
    public func clearFaults() { state.withLock { $0.faults.removeAll() } }

    /// From now on, a request carrying a point that `matches` is refused as a whole with 400 and
    /// Datadog's error body (`{"errors": [message]}`), and none of its points is stored. Datadog
    /// answers this way to a point it cannot take (a value or timestamp out of range, say); it
    /// does not say which point, so a client has to split the batch to find out.
    public func refuse(
        message: String = "Bad Request: a point in the payload is invalid",
        where matches: @escaping @Sendable (PointKey) -> Bool
    ) {
        state.withLock { $0.refusals.append(Refusal(matches: matches, message: message)) }
    }

    /// Accepts connections and reads requests but never answers them (an intake that hangs):
    /// the delay is a day, and `stop()` still ends the server at once.
    public func neverAnswer() { delay = .seconds(86_400) }

    /// Called on the server's thread when a request to the intake arrives, before it is answered
    /// (a test's hook to change the world between a request and its answer).
    public func onSeriesRequest(_ hook: (@Sendable () -> Void)?) { state.withLock { $0.onSeriesRequest = hook } }

    /// Queues `fault` for the next `times` API requests (after the faults already queued).
    public func inject(_ fault: Fault, times: Int = 1) {
        state.withLock { $0.faults += Array(repeating: fault, count: max(0, times)) }
    }

    /// While true, every connection is dropped without an answer: the intake is down.
    public var isDown: Bool {
        get { state.withLock { $0.down } }
        set { state.withLock { $0.down = newValue } }
    }

    /// Added before every answer.
    public var delay: Duration {
        get { state.withLock { $0.delay } }
        set { state.withLock { $0.delay = newValue } }
    }

    // MARK: What happened

    /// How many times each point arrived in an accepted request.
    public var series: [PointKey: Int] { state.withLock { $0.series } }

    /// The value last received for each point.
    public var values: [PointKey: Double] { state.withLock { $0.latest } }

    /// Every accepted point, in arrival order, as sent (type, unit, interval).
    public var receivedPoints: [MetricPayloadSchema.Point] { state.withLock { $0.received } }

    /// Every request to the API (faulted and dropped ones included), in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Requests to `POST /api/v2/series`, whatever the answer.
    public var seriesRequestCount: Int { requests.filter { $0.path == "/api/v2/series" }.count }

    /// Requests answered 202.
    public var acceptedRequestCount: Int { requests.filter { $0.status == 202 }.count }

    /// Every request the server saw (what `LoopbackServer` counts).
    public var requestCount: Int { state.withLock { $0.requests.count } }

    public var validateRequestCount: Int { state.withLock { $0.validateCount } }

    /// The largest bodies seen: on the wire, decompressed, and in points (accepted or not).
    public var maxWireBytes: Int { requests.map(\.wireBytes).max() ?? 0 }
    public var maxDecompressedBytes: Int { requests.compactMap(\.decompressedBytes).max() ?? 0 }
    public var maxPointsPerRequest: Int { requests.map(\.points).max() ?? 0 }

    /// Points received more than once (the keys with a count above 1).
    public var duplicates: [PointKey: Int] { series.filter { $0.value > 1 } }

    // MARK: Serving

    private func handle(_ request: HTTPRequestHead) -> LoopbackResponse {
        if request.method == "POST", request.path == "/api/v2/series" { state.withLock { $0.onSeriesRequest }?() }
        let (fault, down, delay) = state.withLock { state -> (Fault?, Bool, Duration) in
            (state.down ? nil : state.faults.isEmpty ? nil : state.faults.removeFirst(), state.down, state.delay)
        }
        var record = Request(
            method: request.method, path: request.path, status: 0, contentEncoding: request.headers["content-encoding"],
            contentType: request.headers["content-type"], authenticated: request.headers["dd-api-key"] == apiKey,
            wireBytes: request.body.count, decompressedBytes: nil, points: 0, errors: [])
        var response: LoopbackResponse
        if down {
            response = LoopbackResponse()
            response.dropConnection = true
        } else if let fault, let faulty = Self.answer(fault) {
            response = faulty
        } else if request.method == "POST", request.path == "/api/v2/series" {
            response = intake(request, record: &record)
        } else if FakeDatadogObjects.handles(request.path) {
            response = objects.handle(request, apiKey: apiKey)
        } else if request.method == "GET", request.path == "/api/v1/validate" {
            state.withLock { $0.validateCount += 1 }
            response =
                record.authenticated ? .json(#"{"valid":true}"#) : Self.errors(403, ["Forbidden"])
        } else if request.method == "GET", request.path == "/api/v2/validate_keys" {
            state.withLock { $0.validateCount += 1 }
            response =
                record.authenticated && request.headers["dd-application-key"] == objects.applicationKey
                ? .json(#"{"status":"ok"}"#) : Self.errors(403, ["Forbidden"])
        } else {
            response = Self.errors(404, ["Not found"])
        }
        response.delay = delay
        record.status = response.dropConnection ? 0 : response.status
        record.responseHeaders = response.headers
        if record.errors.isEmpty, response.status >= 400 { record.errors = Self.errorStrings(response.body) }
        state.withLock { $0.requests.append(record) }
        return response
    }

    private func intake(_ request: HTTPRequestHead, record: inout Request) -> LoopbackResponse {
        guard record.authenticated else { return Self.errors(403, ["Forbidden"]) }
        guard request.body.count <= limits.maxCompressedBytes else {
            return Self.errors(
                413, ["Payload too large: \(request.body.count) bytes (at most \(limits.maxCompressedBytes))"])
        }
        let encoding = request.headers["content-encoding"]?.lowercased() ?? "identity"
        let json: [UInt8]
        if encoding == "identity" {
            json = request.body
        } else {
            switch Inflate.decode(request.body, encoding: encoding, limit: limits.maxDecompressedBytes) {
            case .ok(let bytes): json = bytes
            case .tooLarge:
                record.decompressedBytes = limits.maxDecompressedBytes + 1
                return Self.errors(
                    413, ["Payload too large: more than \(limits.maxDecompressedBytes) bytes decompressed"])
            case .corrupt(let reason): return Self.errors(400, ["cannot decompress the \(encoding) body: \(reason)"])
            }
        }
        record.decompressedBytes = json.count
        guard json.count <= limits.maxDecompressedBytes else {
            return Self.errors(413, ["Payload too large: \(json.count) bytes (at most \(limits.maxDecompressedBytes))"])
        }
        guard request.headers["content-type"]?.lowercased().hasPrefix("application/json") == true else {
            return Self.errors(415, ["Content-Type must be application/json"])
        }
        let body: FakeJSON
        do {
            body = try FakeJSON.parse(json)
        } catch {
            return Self.errors(400, ["invalid JSON: \(error.message)"])
        }
        let points: [MetricPayloadSchema.Point]
        switch MetricPayloadSchema.validate(body) {
        case .success(let valid): points = valid
        case .failure(let error): return Self.errors(400, ["\(error)"])
        }
        record.points = points.count
        guard points.count <= limits.maxPoints else {
            return Self.errors(413, ["Too many points: \(points.count) (at most \(limits.maxPoints))"])
        }
        return state.withLock { state -> LoopbackResponse in
            for refusal in state.refusals
            where points.contains(where: {
                refusal.matches(PointKey(metric: $0.metric, tags: $0.tags, timestamp: $0.timestamp))
            }) {
                return Self.errors(400, [refusal.message])
            }
            state.received += points
            for point in points {
                let key = PointKey(metric: point.metric, tags: point.tags, timestamp: point.timestamp)
                state.series[key, default: 0] += 1
                state.latest[key] = point.value
            }
            return .json(#"{"errors":[]}"#, status: 202)
        }
    }

    private static func answer(_ fault: Fault) -> LoopbackResponse? {
        switch fault {
        case .status(let status, let headers):
            var response = errors(status, [phrase(status)])
            response.headers += headers
            return response
        case .throttle(let retryAfter, let reset):
            var response = errors(429, ["Too many requests"])
            response.headers += [
                ("X-RateLimit-Limit", "100"), ("X-RateLimit-Period", "60"), ("X-RateLimit-Remaining", "0"),
            ]
            if let reset { response.headers.append(("X-RateLimit-Reset", String(reset))) }
            if let retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
            return response
        case .dropConnection:
            var response = LoopbackResponse()
            response.dropConnection = true
            return response
        case .pass:
            return nil
        }
    }

    /// Datadog's error body: `{"errors": ["…"]}`.
    static func errors(_ status: Int, _ messages: [String]) -> LoopbackResponse {
        let list = messages.map { "\"" + escape($0) + "\"" }.joined(separator: ",")
        return .json("{\"errors\":[\(list)]}", status: status)
    }

    private static func errorStrings(_ body: [UInt8]) -> [String] {
        guard case .object(let members)? = try? FakeJSON.parse(body), case .array(let list)? = members["errors"] else {
            return []
        }
        return list.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case let c where c.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count)
                    + String(c.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 408: "Request Timeout"
        case 413: "Payload Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error \(status)"
        }
    }

    /// Lets the handler reach the fake without the server retaining it (the handler is created
    /// before `self` is complete).
    private final class Box: Sendable {
        private let reference = Mutex<Weak?>(nil)
        struct Weak { weak var fake: FakeDatadog? }
        var fake: FakeDatadog? { reference.withLock { $0?.fake } }
        func set(_ fake: FakeDatadog) { reference.withLock { $0 = Weak(fake: fake) } }
    }
}
