import Pipeline

/// The options of the `http` stage (`HTTPSource`), read from snake_case keys.
struct HTTPSourceOptions: Sendable, Decodable {
    /// The URL; `{field}` names a field of the input record.
    var url: RecordTemplate
    /// GET (through the response cache), POST, …
    var method: String
    /// Query parameters appended to the URL, each a template.
    var query: [String: RecordTemplate]
    var headers: [String: String]
    /// A JSON body (GraphQL: `{"query": …, "variables": {…}}`); sent as `application/json`.
    var body: HTTPBodyTemplate?
    var auth: HTTPAuth?
    /// Where the records sit in an answer, the first path that reaches something (an API whose
    /// answer changed shape across versions); empty: the whole answer.
    var records: [HTTPRecordsPath]
    /// Fields of each record holding JSON as a string, decoded in place.
    var decodeJSON: [HTTPRecordsPath]
    var pagination: HTTPPagination?
    var maxPages: Int
    var stopWhenOlder: HTTPStopWhenOlder?
    /// The span `{since}` reaches back (`HTTPSource.since(_:context:)`); nil: no `{since}`.
    var since: TimeSpan?
    /// Where a 200 answer states errors (GraphQL: `errors`); a non-empty value there fails the stage.
    var errorsPath: HTTPRecordsPath?
    /// Paths every answer must hold (not null), each with the failure's message, a template over
    /// the input record: GraphQL answers an unknown object with `null`, not an error.
    var require: [(path: HTTPRecordsPath, message: RecordTemplate)]
    var rateLimits: HTTPRateLimitOptions?
    /// Submit, then fetch the result by request id (`HTTPAsync`); nil: the answer is the result.
    var async: HTTPAsync?
    /// Fields set on every output record, each a template over the input record (`{gid}`).
    var addFields: [String: RecordTemplate]

    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    static let defaultMaxPages = 1000

    init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        url = try reader.required("url")
        let method = (try reader.optional("method", as: String.self) ?? "GET").uppercased()
        guard Self.methods.contains(method) else {
            throw reader.failure("method", "unknown method \"\(method)\"; known methods: \(Self.methods.joined(separator: ", "))")
        }
        self.method = method
        query = try reader.optional("query") ?? [:]
        headers = try reader.optional("headers") ?? [:]
        body = try reader.optional("body", as: JSON.self).map(HTTPBodyTemplate.init)
        auth = try reader.optional("auth")
        // One path, or a list of them.
        if case .array? = try reader.optional("records", as: JSON.self) {
            records = try reader.required("records")
            guard !records.isEmpty else { throw reader.failure("records", "list at least one path, or leave records out") }
        } else {
            records = try reader.optional("records", as: HTTPRecordsPath.self).map { [$0] } ?? []
        }
        auth = auth?.isEmpty == true ? nil : auth
        decodeJSON = try reader.optional("decode_json") ?? []
        pagination = try reader.optional("pagination")
        maxPages = try reader.optional("max_pages") ?? Self.defaultMaxPages
        guard maxPages >= 1 else { throw reader.failure("max_pages", "must be at least 1") }
        stopWhenOlder = try reader.optional("stop_when_older")
        since = try reader.optional("since")
        errorsPath = try reader.optional("errors_path")
        let required: [String: RecordTemplate] = try reader.optional("require") ?? [:]
        require = try required.sorted { $0.key < $1.key }.map { path, message in
            let steps = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.isEmpty, !steps.contains(where: \.isEmpty) else {
                throw reader.failure(
                    ["require", path], "\"\(path)\" is not a path; write keys separated by dots, e.g. data.project")
            }
            return (HTTPRecordsPath(steps), message)
        }
        rateLimits = try reader.optional("rate_limits")
        async = try reader.optional("async")
        if async != nil, pagination != nil {
            throw reader.failure("async", "an asynchronous request has one result: it does not combine with pagination")
        }
        addFields = try reader.optional("add_fields") ?? [:]
        if case .cursor(_, .variable, _) = pagination, body?.json.object == nil {
            throw reader.failure(["pagination", "variable"], "a cursor variable needs a JSON object body (GraphQL)")
        }
    }

    /// The input record's fields the templates read (`{since}` is the stage's own when `since` is set).
    var templateFields: [FieldPath] {
        let all =
            url.fields + query.values.flatMap(\.fields) + (body?.fields ?? []) + addFields.values.flatMap(\.fields)
            + require.flatMap(\.message.fields)
        return since == nil ? all : all.filter { $0.description != Self.sinceField }
    }

    static let sinceField = "since"

    /// What to keep of an answer while parsing it: the parts of each record later stages read
    /// (`records`, the engine's projection) plus what this stage reads itself (decoded and dated
    /// fields, the errors, the cursor and next URL).
    func selection(records: FieldSelection) -> FieldSelection {
        let own = decodeJSON.compactMap { FieldPath($0.description) } + (stopWhenOlder.map { [$0.field] } ?? [])
        let each = records.union(FieldSelection(own))
        var selection = self.records.isEmpty ? each : FieldSelection([])
        for path in self.records {
            selection = selection.union(path.steps.reversed().reduce(each) { $0.nested(under: $1) })
        }
        // A required path on the way to the records is kept by their selection; another is kept whole.
        let required = require.map(\.path).filter { path in !self.records.contains { $0.steps.starts(with: path.steps) } }
        let answerPaths = [errorsPath] + (pagination?.answerPaths ?? []) + required
        return selection.union(FieldSelection(answerPaths.compactMap { $0.flatMap { FieldPath($0.description) } }))
    }

    static let docs: [String: String] = [
        "url": "the URL; {field} is a field of the input record, percent-encoded (a / kept) unless it starts the URL (required)",
        "method": "GET (default; through the response cache), POST, PUT, PATCH or DELETE",
        "query": "query parameters, name -> template with {field} from the input record (default: none)",
        "headers": "request headers, name -> value (default: none); sent only to the URL's origin",
        "body":
            "JSON body, strings may hold {field} from the input record; GraphQL: {\"query\": …, \"variables\": {…}} (default: none)",
        "auth":
            "{\"type\":\"bearer\",\"token\"}, {\"type\":\"basic\",\"user\",\"password\"} or {\"type\":\"header\",\"name\",\"value\"}; sent only to the URL's origin; "
            + "an empty token, user or value sends none, so ${VAR:-} makes it optional (default: none)",
        "records":
            "dotted path to the records in the answer, mapping over arrays, e.g. data.items, or a list of paths, the first that "
            + "reaches something taken (an answer whose shape changed across versions) (default: the whole answer)",
        "decode_json": "paths within each record whose JSON-encoded string is decoded in place (default: none)",
        "pagination":
            "{\"type\": …}: link; page (param=page, start=1, size_param, size); offset (param=offset, size_param, size); cursor (path, param or variable, has_more); next_url (path) (default: one request)",
        "max_pages": "fail past this many pages (default 1000)",
        "stop_when_older":
            "{\"field\",\"than\"}: for newest-first listings, drop records older than the run's clock minus than (minus a backfill's lookback) and fetch no further page (default: off)",
        "since":
            "a span such as 7d: {since} in url, query, body and add_fields is the run's clock minus it (and minus a backfill's "
            + "lookback), rounded down to the UTC day, in ISO 8601; a superset of the window whose requests stay the same all day "
            + "(default: none)",
        "errors_path":
            "path where a 200 answer states errors, e.g. errors for GraphQL; non-empty fails the stage (default: none)",
        "require":
            "path -> message: paths every answer must hold (not null), else the stage fails with the message, a template over the input "
            + "record, e.g. {\"data.project\": \"no project {path}\"} (GraphQL answers an unknown object with null) (default: none)",
        "add_fields":
            "fields set on every record, name -> template with {field} from the input record, e.g. {\"project\": \"{name}\"} (default: none)",
        "rate_limits":
            "{limit_header, remaining_header, reset_header, reset_format: epoch|delta, secondary_phrases} (default: Retry-After only)",
        "async":
            "submit, then fetch the result: {\"request_id\": {\"header\": NAME} or {\"path\": PATH}, "
            + "\"result\": {\"url\": \"{base}/api/get?request_id={request_id}\", \"method\": \"GET\"}, "
            + "\"poll_interval\" (1s), \"deadline\" (2m, from the submit), \"done_when\": expression over the result "
            + "(absent: the result request waits, long poll), \"error_path\": path(s) of the request's error in the result "
            + "(JSON-encoded strings decoded; fails as type: message), \"decode_json\": result paths decoded before records, "
            + "\"no_records_on\": error types that mean nothing to list (no records, no error)}; "
            + "records and decode_json then apply to the result (default: none)",
    ]
}
