import HTTP
import Pipeline

/// The `pagination` option: how the `http` stage finds the next page, one style chosen by `type`.
///
/// Every style stops when the answer names no further page; `max_pages` (in `HTTPSourceOptions`)
/// guards against a server that never does.
enum HTTPPagination: Sendable, Decodable {
    /// The `Link` header's `rel="next"` (GitHub, RFC 8288).
    case link
    /// A page number in the query (`param`, from `start`), with an optional page size; stops at
    /// an empty page, or one shorter than `size`.
    case page(param: String, start: Int, sizeParam: String?, size: Int?)
    /// An item offset in the query (`param`, from 0), advanced by each page's record count; stops
    /// like `page`.
    case offset(param: String, sizeParam: String?, size: Int?)
    /// A cursor read from the answer at `path`, sent as the next request's query parameter or
    /// GraphQL variable; stops when it is missing or null, or `hasMore` is false.
    case cursor(path: HTTPRecordsPath, target: CursorTarget, hasMore: HTTPRecordsPath?)
    /// The next page's full URL, read from the answer at `path`.
    case nextURL(path: HTTPRecordsPath)

    /// Where a cursor goes in the next request.
    enum CursorTarget: Sendable, Equatable {
        case query(String)
        /// A key of the body's `variables` (GraphQL).
        case variable(String)
    }

    static let types = ["link", "page", "offset", "cursor", "next_url"]

    init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        let type: String = try reader.required("type")
        switch type {
        case "link":
            self = .link
        case "page":
            self = .page(
                param: try reader.optional("param") ?? "page", start: try reader.optional("start") ?? 1,
                sizeParam: try reader.optional("size_param"), size: try Self.size(reader))
        case "offset":
            self = .offset(
                param: try reader.optional("param") ?? "offset", sizeParam: try reader.optional("size_param"),
                size: try Self.size(reader))
        case "cursor":
            let param: String? = try reader.optional("param")
            let variable: String? = try reader.optional("variable")
            let target: CursorTarget
            switch (param, variable) {
            case (let param?, nil): target = .query(param)
            case (nil, let variable?): target = .variable(variable)
            default: throw reader.failure(nil, "a cursor goes into the query (param) or the body's variables (variable): set one")
            }
            self = .cursor(path: try reader.required("path"), target: target, hasMore: try reader.optional("has_more"))
        case "next_url":
            self = .nextURL(path: try reader.required("path"))
        default:
            throw reader.failure(
                "type", "unknown pagination type \"\(type)\"; known types: \(Self.types.joined(separator: ", "))")
        }
    }

    private static func size(_ reader: OptionReader) throws -> Int? {
        let size: Int? = try reader.optional("size")
        if let size, size < 1 { throw reader.failure("size", "must be at least 1") }
        return size
    }

    /// The first page's request: the page number or offset and size set in its query.
    func first(_ page: HTTPPage) -> HTTPPage {
        var page = page
        switch self {
        case .page(let param, let start, let sizeParam, let size):
            page.url = URLQuery.setting(param, to: String(start), in: page.url)
            if let sizeParam, let size { page.url = URLQuery.setting(sizeParam, to: String(size), in: page.url) }
        case .offset(let param, let sizeParam, let size):
            page.url = URLQuery.setting(param, to: "0", in: page.url)
            if let sizeParam, let size { page.url = URLQuery.setting(sizeParam, to: String(size), in: page.url) }
        case .link, .cursor, .nextURL: break
        }
        return page
    }

    /// The request for the page after `page`, whose answer was `response` (`answer` parsed,
    /// `count` records); nil when there is none.
    func next(after page: HTTPPage, response: HTTPResponse, answer: JSON, count: Int) -> HTTPPage? {
        var next = page
        switch self {
        case .link:
            guard let link = LinkHeader.parse(response.headers["link"] ?? "")["next"] else { return nil }
            next.url = LinkHeader.resolve(link, against: response.url)
        case .page(let param, let start, _, let size):
            guard count > 0, count >= (size ?? 1) else { return nil }
            let current = URLQuery.value(of: param, in: page.url).flatMap { Int($0) } ?? start
            next.url = URLQuery.setting(param, to: String(current + 1), in: page.url)
        case .offset(let param, _, let size):
            guard count > 0, count >= (size ?? 1) else { return nil }
            let current = URLQuery.value(of: param, in: page.url).flatMap { Int($0) } ?? 0
            next.url = URLQuery.setting(param, to: String(current + count), in: page.url)
        case .cursor(let path, let target, let hasMore):
            if let hasMore, HTTPRecordsPath.value(at: hasMore, in: answer)?.bool != true { return nil }
            guard let cursor = HTTPRecordsPath.value(at: path, in: answer), cursor != .string("") else { return nil }
            switch target {
            case .query(let param):
                let text: String =
                    switch cursor {
                    case .string(let s): s
                    case .number(let n): JSON.formatNumber(n)
                    default: cursor.jsonText
                    }
                next.url = URLQuery.setting(param, to: text, in: page.url)
            case .variable(let name):
                guard case .object(var body) = page.body ?? .object(JSONObject()) else { return nil }
                var variables = body["variables"]?.object ?? JSONObject()
                variables[name] = cursor
                body["variables"] = .object(variables)
                next.body = .object(body)
            }
        case .nextURL(let path):
            guard let url = HTTPRecordsPath.value(at: path, in: answer)?.string, !url.isEmpty else { return nil }
            next.url = LinkHeader.resolve(url, against: response.url)
        }
        return next
    }

    /// The paths of the answer this style reads.
    var answerPaths: [HTTPRecordsPath] {
        switch self {
        case .link, .page, .offset: []
        case .cursor(let path, _, let hasMore): [path] + (hasMore.map { [$0] } ?? [])
        case .nextURL(let path): [path]
        }
    }
}

/// What changes from one page's request to the next: the URL and the JSON body.
struct HTTPPage: Sendable, Hashable {
    var url: String
    var body: JSON?
}

extension HTTPPagination: OptionSchemaDescribing {
    static var optionSchema: JSON { OptionSchema.typed(types) }
}
