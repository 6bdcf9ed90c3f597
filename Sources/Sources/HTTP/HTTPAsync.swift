import Expressions
import Foundation
import HTTP
import Pipeline

/// The `async` option: an API that answers a request later. The stage's request (the submit)
/// answers with a request id, in a header or the body; a result request for that id then either
/// waits until the work is done and answers it (a long poll, `done_when` absent), or is asked
/// again every `poll_interval` until `done_when` holds for its answer; all within `deadline`,
/// counted from the submit.
///
/// ```json
/// "async": {"request_id": {"header": "X-Request-ID"},
///           "result": {"url": "{base}/api/get?request_id={request_id}"},
///           "deadline": "2m", "error_path": ["detail.error", "error"], "decode_json": ["return_value"]}
/// ```
/// The result answer takes the submit answer's place: `records`, `decode_json` and
/// `errors_path` apply to it. A value at `error_path` (a JSON-encoded string is decoded) fails
/// the stage, whatever the status, with the error's `type: message` (or its message): only those
/// are shown, never the rest of the error (it may hold server internals); an error whose `type`
/// is in `no_records_on` means the stage has nothing to list. A 5xx without such an
/// error, a timeout or a dropped connection is asked again after `poll_interval`, a 408 or 429
/// after its `Retry-After` (or the `rate_limits` reset header), at most `maxTransientFailures`
/// times in a row; any other non-2xx answer fails the stage.
struct HTTPAsync: Sendable, Decodable {
    /// Where the submit answer names the request id.
    enum RequestID: Sendable {
        case header(String)
        case path(HTTPRecordsPath)
    }

    var requestID: RequestID
    /// The result URL: `{base}` is the submit URL's scheme, host and port, `{request_id}` the id
    /// (percent-encoded); a URL without a scheme is resolved against the submit URL.
    var resultURL: String
    var resultMethod: String
    var pollInterval: TimeSpan
    var deadline: TimeSpan
    /// When absent, the first answer to the result request is the result (a long poll).
    var doneWhen: Expressions.Expression?
    /// Where a result answer states the request's failure, first found wins.
    var errorPaths: [HTTPRecordsPath]
    /// Paths of the result answer whose JSON-encoded string is decoded before `records` is read.
    var decodeJSON: [HTTPRecordsPath]
    /// Error types that mean "nothing to list" (SkyPilot's `ClusterNotUpError` from the job queue:
    /// no jobs controller, so no managed jobs): the stage emits no records, and no error.
    var noRecordsOn: [String]

    static let defaultPollInterval = TimeSpan("1s")!
    static let defaultDeadline = TimeSpan("2m")!
    static let maxTransientFailures = 5
    static let keys = [
        "request_id", "result", "poll_interval", "deadline", "done_when", "error_path", "decode_json", "no_records_on",
    ]

    init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        let id: [String: String] = try reader.required("request_id")
        switch (id["header"], id["path"], id.count) {
        case (let header?, nil, 1) where !header.isEmpty: requestID = .header(header)
        case (nil, let path?, 1):
            let steps = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.isEmpty, !steps.contains(where: \.isEmpty) else {
                throw reader.failure(["request_id", "path"], "\"\(path)\" is not a path; write keys separated by dots")
            }
            requestID = .path(HTTPRecordsPath(steps))
        default:
            throw reader.failure(
                "request_id", "where the submit answer names the request id: {\"header\": NAME} or {\"path\": PATH}")
        }
        let result: [String: String] = try reader.required("result")
        guard let url = result["url"], !url.isEmpty, Set(result.keys).isSubset(of: ["url", "method"]) else {
            throw reader.failure(
                "result", "the result request: {\"url\": \"{base}/result?id={request_id}\", \"method\": \"GET\"}")
        }
        guard url.contains("{request_id}") else {
            throw reader.failure(["result", "url"], "the result URL names the request: put {request_id} in it")
        }
        resultURL = url
        resultMethod = (result["method"] ?? "GET").uppercased()
        guard HTTPSourceOptions.methods.contains(resultMethod) else {
            throw reader.failure(["result", "method"], "unknown method \"\(resultMethod)\"")
        }
        pollInterval = try reader.optional("poll_interval") ?? Self.defaultPollInterval
        deadline = try reader.optional("deadline") ?? Self.defaultDeadline
        guard pollInterval.seconds > 0 else { throw reader.failure("poll_interval", "must be more than 0s") }
        guard deadline.seconds > 0 else { throw reader.failure("deadline", "must be more than 0s") }
        doneWhen = try reader.optional("done_when")
        // One path, or a list of them.
        if case .string? = try reader.optional("error_path", as: JSON.self) {
            errorPaths = [try reader.required("error_path", as: HTTPRecordsPath.self)]
        } else {
            errorPaths = try reader.optional("error_path", as: [HTTPRecordsPath].self) ?? []
        }
        decodeJSON = try reader.optional("decode_json") ?? []
        noRecordsOn = try reader.optional("no_records_on") ?? []
        if let failure = reader.unknownKeyFailure(known: Self.keys) { throw failure }
    }

    /// The result URL for request `id` submitted to `submitURL`.
    func resultURL(id: String, submitURL: String) -> String {
        let url = resultURL.replacingOccurrences(of: "{base}", with: Self.base(of: submitURL))
            .replacingOccurrences(of: "{request_id}", with: URLQuery.percentEncode(id))
        return url.contains("://") ? url : LinkHeader.resolve(url, against: submitURL)
    }

    /// `scheme://host:port` of `url`.
    static func base(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        return String(url[..<end])
    }

    /// The request id the submit answer names, or nil.
    func id(in response: HTTPResponse, answer: JSON) -> String? {
        switch requestID {
        case .header(let name):
            return response.headers[name].flatMap { $0.isEmpty ? nil : $0 }
        case .path(let path):
            switch HTTPRecordsPath.value(at: path, in: answer) {
            case .string(let text)? where !text.isEmpty: return text
            case .number(let number)?: return JSON.formatNumber(number)
            default: return nil
            }
        }
    }

    /// Where the submit answer was looked for the id, for errors.
    var idPlace: String {
        switch requestID {
        case .header(let name): "header \(name)"
        case .path(let path): "field \(path.description)"
        }
    }

    /// The failure a result answer states: its `type`, and `type: message` (or the message), or nil.
    func failure(in answer: JSON) -> (type: String?, text: String)? {
        for path in errorPaths {
            guard var value = HTTPRecordsPath.value(at: path, in: answer) else { continue }
            if case .string(let text) = value, let decoded = try? JSONParser.parse(text) { value = decoded }
            switch value {
            case .null: continue
            case .string(let text) where text.isEmpty: continue
            case .object(let object) where object.isEmpty: continue
            case .object(let object):
                let message = object["message"].flatMap(HTTPSourceError.message(of:))
                let type = object["type"]?.string
                switch (type, message) {
                case (let type?, let message?): return (type, HTTPSourceError.oneLine("\(type): \(message)"))
                case (nil, let message?): return (nil, HTTPSourceError.oneLine(message))
                case (let type?, nil): return (type, type)
                case (nil, nil): return (nil, "an error without a type or message")
                }
            case .string(let text): return (nil, HTTPSourceError.oneLine(text))
            default: return (nil, HTTPSourceError.message(of: value).map(HTTPSourceError.oneLine) ?? value.jsonText)
            }
        }
        return nil
    }

    /// The result answer, its JSON-encoded paths decoded.
    func decoded(_ answer: JSON) -> JSON { HTTPJSONStrings.decode(decodeJSON, in: answer) }
}

/// How the `http` stage waits for an asynchronous request: the clock and the sleep of its client.
struct HTTPAsyncWaiter: Sendable {
    var now: @Sendable () -> Date
    var sleep: @Sendable (Duration) async throws -> Void

    init(_ http: HTTPClient) {
        now = http.configuration.now
        sleep = http.configuration.sleep
    }
}

extension HTTPSource {
    /// The result of the request the submit (`page`, answered by `response` and `answer`) started:
    /// the result answer, once done, in place of the submit's.
    func asyncResult(
        _ async: HTTPAsync, submitted page: HTTPPage, response: HTTPResponse, answer: JSON,
        send: @Sendable (HTTPRequest) async throws -> HTTPResponse, waiter: HTTPAsyncWaiter, now: Double, logger: Logger
    ) async throws -> (HTTPResponse, JSON) {
        guard let id = async.id(in: response, answer: answer) else {
            throw HTTPSourceError(
                method: options.method, url: page.url, message: "the answer names no request id (\(async.idPlace))",
                advice: "check async.request_id against the API's answer to the submit")
        }
        let url = async.resultURL(id: id, submitURL: page.url)
        var request = self.request(for: HTTPPage(url: url, body: nil))
        try CredentialScope.check(request, movingTo: url, how: "the async result")
        request.method = async.resultMethod
        // A 5xx may carry the request's error: read it rather than retry it.
        request.retry = RetryPolicy(maxAttempts: 1, returnsLastResponse: true)
        let started = waiter.now()
        let ends = started.addingTimeInterval(async.deadline.seconds)
        var transientFailures = 0
        func pastDeadline(_ what: String) -> HTTPSourceError {
            HTTPSourceError(
                method: async.resultMethod, url: url,
                message: "request \(id) \(what) within async.deadline (\(async.deadline))",
                advice: "raise async.deadline, or check the API's queue")
        }
        func wait(_ what: String, until: Date? = nil) async throws {
            let interval = max(async.pollInterval.seconds, until?.timeIntervalSince(waiter.now()) ?? 0)
            guard waiter.now().addingTimeInterval(interval) < ends else { throw pastDeadline(what) }
            try await waiter.sleep(.nanoseconds(Int64(interval * 1e9)))
        }
        while true {
            if async.doneWhen == nil {
                // A long poll waits for the work: give it what is left of the deadline.
                let left = ends.timeIntervalSince(waiter.now())
                guard left > 0 else { throw pastDeadline("did not finish") }
                request.timeout = .nanoseconds(Int64(left * 1e9))
            }
            let result: HTTPResponse
            do {
                result = try await send(request)
            } catch let error as HTTPError {
                transientFailures += 1
                guard transientFailures <= HTTPAsync.maxTransientFailures else { throw error }
                switch error.kind {
                case .rateLimited(let until, _):
                    // A 429 says when to ask again (Retry-After, or the rate_limits reset header).
                    try await wait("was still rate-limited (429)", until: until)
                case let kind where Self.isTransient(kind):
                    guard waiter.now() < ends else { throw pastDeadline("did not finish") }
                    try await wait("did not finish")
                default: throw error
                }
                continue
            }
            let parsed = try? JSONParser.parse(result.body)
            let body = parsed.map(async.decoded)
            if let body, let failure = async.failure(in: body) {
                if let type = failure.type, async.noRecordsOn.contains(type) {
                    logger.info("request \(id) answered \(failure.text): no records (async.no_records_on)")
                    return (result, .null)
                }
                throw HTTPSourceError(
                    method: async.resultMethod, url: url, message: "request \(id) failed: \(failure.text)",
                    advice: "see the API's log for the request")
            }
            guard result.isSuccess else {
                let message = body.flatMap { HTTPSourceError.apiMessage(in: $0, path: options.errorsPath) }
                let error = HTTPError(.status(result.status, message: message), method: async.resultMethod, url: url)
                let slowDown = result.status == 429 || result.status == 408
                guard slowDown || result.status >= 500, transientFailures < HTTPAsync.maxTransientFailures else { throw error }
                transientFailures += 1
                try await wait(slowDown ? "was still rate-limited (\(result.status))" : "did not finish")
                continue
            }
            transientFailures = 0
            guard let body else {
                throw HTTPSourceError(
                    method: async.resultMethod, url: url, message: "the result of request \(id) is not JSON",
                    advice: "check async.result against the API")
            }
            guard let doneWhen = async.doneWhen else { return (result, body) }
            if try doneWhen.holds(for: body, now: now) { return (result, body) }
            try await wait("did not finish")
        }
    }

    private static func isTransient(_ kind: HTTPError.Kind) -> Bool {
        switch kind {
        case .transport, .timedOut, .connectTimedOut: true
        default: false
        }
    }
}

extension HTTPAsync: OptionSchemaDescribing {
    static var optionSchema: JSON { OptionSchema.object }
}
