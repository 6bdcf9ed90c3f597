import HTTP
import Pipeline

/// `http`: the records of any JSON API, so a new API is a pipeline file rather than code.
///
/// One request (or one listing, with `pagination`) per run, or per input record when the stage
/// has inputs: the URL, query and body are templates over the input record. Every request is
/// counted in the run's API usage; GETs also go through its response cache.
/// The client retries 408, 429 and 5xx (honouring `Retry-After` and `rate_limits`); any other
/// non-2xx answer, and a 200 answer with errors at `errors_path`, fails the stage with the
/// API's message. Credentials (`auth`, `headers`) go only to the URL's origin: a next page on
/// another one fails the stage instead of being fetched.
///
/// `add_fields` copies fields of the input record into each output record.
///
/// Each request is built by `request(for:)` and sent by `send(_:)`; with `async` (`HTTPAsync`),
/// the answer is a submit's, and the result request it names answers in its place.
struct HTTPSource: Source {
    static let kind = StageKind.source(
        "http", summary: "records from any JSON API: templated URL, auth, records path, pagination",
        options: HTTPSourceOptions.self,
        example: [
            "url": "https://api.example.com/v1/items",
            "query": ["status": "active"],
            "auth": ["type": "bearer", "token": "${EXAMPLE_TOKEN}"],
            "records": "items",
            "pagination": ["type": "page", "param": "page", "start": 1, "size_param": "per_page", "size": 100],
        ],
        inputs: .optional, fieldsRead: { .fields($0.templateFields) }, optionDocs: HTTPSourceOptions.docs
    ) { options in
        HTTPSource(options: options)
    }

    let options: HTTPSourceOptions

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        var input = input
        if let since = options.since {
            input = Self.adding(
                [(HTTPSourceOptions.sinceField, Self.since(since, context: context))], to: input ?? .object(JSONObject()))
        }
        let send = try sender(context)
        let selection = options.selection(records: context.fields)
        var page = try first(input)
        if let pagination = options.pagination { page = pagination.first(page) }
        let firstURL = page.url
        let credentials = request(for: page)
        var visited: Set<HTTPPage> = []
        let cutoff = options.stopWhenOlder.map { context.run.now - $0.than.seconds - context.run.lookback }
        let added = try options.addFields.sorted { $0.key < $1.key }.map { ($0.key, JSON.string(try $0.value.render(input))) }
        for index in 1... {
            guard index <= options.maxPages else {
                throw HTTPSourceError(
                    method: options.method, url: firstURL, message: "pagination exceeds max_pages (\(options.maxPages))",
                    advice: "check that the API's pagination ends, or raise max_pages")
            }
            guard visited.insert(page).inserted else {
                throw HTTPSourceError(
                    method: options.method, url: page.url, message: "pagination loops (this page was already fetched)",
                    advice: "check the pagination option against the API's answers")
            }
            // Credentials stay with their origin.
            try CredentialScope.check(credentials, movingTo: page.url, how: "the next page")
            var (response, answer) = try await fetch(page, keeping: options.async == nil ? selection : .all, send: send)
            if let async = options.async {
                (response, answer) = try await asyncResult(
                    async, submitted: page, response: response, answer: answer, send: send,
                    waiter: HTTPAsyncWaiter(try context.fetcher().http), now: context.run.now,
                    logger: context.logger)
            }
            for (path, message) in options.require where HTTPRecordsPath.value(at: path, in: answer) == nil {
                throw HTTPSourceError(
                    method: options.method, url: page.url,
                    message: "\(try message.render(input)) (the answer has no \(path.description))",
                    advice: "check the configuration against the API, and the credentials' access")
            }
            var records = HTTPRecordsPath.records(at: options.records, in: answer)
            let count = records.count
            if !options.decodeJSON.isEmpty { records = records.map { HTTPJSONStrings.decode(options.decodeJSON, in: $0) } }
            var reachedOlder = false
            if let stop = options.stopWhenOlder, let cutoff {
                records.removeAll { record in
                    let older = stop.isOlder(record, cutoff: cutoff)
                    reachedOlder = reachedOlder || older
                    return older
                }
            }
            if !added.isEmpty { records = records.map { Self.adding(added, to: $0) } }
            if !records.isEmpty { await output.send(records: records) }
            guard !reachedOlder, let pagination = options.pagination,
                let next = pagination.next(after: page, response: response, answer: answer, count: count)
            else { return }
            page = next
        }
    }

    /// The first page: the URL and query rendered from the input record, and the body.
    func first(_ input: JSON?) throws -> HTTPPage {
        // Field values inside the URL are path text (a gid with a space or `?` cannot reshape it);
        // a field that starts the template is the base URL itself.
        var url = try options.url.render(input, escapingInside: URLQuery.percentEncodePath)
        for (name, template) in options.query.sorted(by: { $0.key < $1.key }) {
            url = URLQuery.setting(name, to: try template.render(input), in: url)
        }
        return HTTPPage(url: url, body: try options.body?.render(input))
    }

    /// The request for one page: method, headers, auth and the JSON body.
    func request(for page: HTTPPage) -> HTTPRequest {
        var headers = options.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if !headers.contains(where: { HTTPHeaders.namesMatch($0.0, "Accept") }) {
            headers.insert(("Accept", "application/json"), at: 0)
        }
        if let auth = options.auth { headers.append(auth.header) }
        var body: [UInt8]?
        if let json = page.body {
            body = Array(json.jsonText.utf8)
            if !headers.contains(where: { HTTPHeaders.namesMatch($0.0, "Content-Type") }) {
                headers.append(("Content-Type", "application/json"))
            }
        }
        return HTTPRequest(method: options.method, url: page.url, headers: headers, body: body)
    }

    /// How requests are sent: through the run's `ConditionalFetcher`, with the stage's rate-limit
    /// rules, so every request is counted in the run's API usage; GETs are revalidated against
    /// the response cache, other methods go to the client as they are.
    func sender(_ context: StageContext) throws -> @Sendable (HTTPRequest) async throws -> HTTPResponse {
        var fetcher = try context.fetcher()
        if let rules = options.rateLimits?.rules(credentialHeader: options.auth?.header.0) {
            fetcher.http = fetcher.http.with { $0.rateLimits = rules }
        }
        return { [fetcher] in try await fetcher.send($0) }
    }

    /// One page's answer, parsed; non-2xx answers and stated errors fail with the API's message.
    func fetch(
        _ page: HTTPPage, keeping selection: FieldSelection, send: @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) async throws -> (HTTPResponse, JSON) {
        var request = request(for: page)
        // A 2xx answer is reduced to the selection as it arrives; an error answer arrives whole.
        if selection != .all { request.keeping = selection }
        let response = try await send(request)
        let answer: JSON
        do {
            // An error answer is read whole, for its message.
            answer = try response.json(keeping: response.isSuccess ? selection : .all)
        } catch {
            guard response.isSuccess else {
                throw HTTPError(.status(response.status, message: nil), method: options.method, url: page.url)
            }
            throw HTTPSourceError(
                method: options.method, url: page.url,
                message: "the answer is not JSON (\(error.reason) at line \(error.line))",
                advice: "check the URL, and that the API answers JSON")
        }
        guard response.isSuccess else {
            let message = HTTPSourceError.apiMessage(in: answer, path: options.errorsPath)
            throw HTTPError(.status(response.status, message: message), method: options.method, url: page.url)
        }
        if let path = options.errorsPath, let errors = HTTPRecordsPath.value(at: path, in: answer), !Self.isEmpty(errors) {
            let message = HTTPSourceError.message(of: errors).map(HTTPSourceError.oneLine) ?? errors.jsonText
            throw HTTPSourceError(
                method: options.method, url: page.url, message: "the API answered with errors: \(message)",
                advice: "check the query, its variables and the credentials' access")
        }
        return (response, answer)
    }

    /// The `{since}` of a run: `span` before its clock, and before a backfill's whole range, rounded
    /// down to the UTC day (a superset of the window; the transforms after the stage cut it exactly).
    static func since(_ span: TimeSpan, context: StageContext) -> JSON {
        .string(Timestamp.format(Double(context.dayStart(before: span.seconds))))
    }

    /// `record` with the `add_fields` set (a record that is not an object is kept as it is).
    static func adding(_ fields: [(String, JSON)], to record: JSON) -> JSON {
        guard case .object(var object) = record else { return record }
        for (name, value) in fields { object[name] = value }
        return .object(object)
    }

    private static func isEmpty(_ value: JSON) -> Bool {
        switch value {
        case .array(let elements): elements.isEmpty
        case .object(let object): object.isEmpty
        case .string(let text): text.isEmpty
        case .bool(let flag): !flag
        default: false
        }
    }
}
