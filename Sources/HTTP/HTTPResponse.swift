import Pipeline

/// A complete HTTP response: the last response's status and headers (after redirects and
/// `100 Continue`) and the decoded body (gzip is removed transparently).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The URL that answered, after redirects.
    public var url: String
    /// Set when the body was reduced to the request's `keeping` as it arrived and was not valid
    /// JSON (or XML): the first error, at its place in the original text (`body` is then empty).
    public var bodyError: BodySyntaxError?

    /// Why a body reduced as it arrived could not be read.
    public enum BodySyntaxError: Error, Sendable, CustomStringConvertible {
        case json(JSONParser.SyntaxError)
        case xml(XMLSyntaxError)

        public var description: String {
            switch self {
            case .json(let error): "\(error)"
            case .xml(let error): "\(error)"
            }
        }
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], url: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// True for 2xx statuses.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The JSON body with what `selection` keeps: the same value whether or not the body was
    /// already reduced to it as it arrived (`HTTPRequest.keeping`).
    public func json(keeping selection: FieldSelection = .all) throws(JSONParser.SyntaxError) -> JSON {
        if case .json(let error)? = bodyError { throw error }
        return try JSONParser.parse(body, keeping: selection)
    }

    /// The body as UTF-8 text (invalid bytes become U+FFFD).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
