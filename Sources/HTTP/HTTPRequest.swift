import Pipeline

/// One HTTP request as a stage describes it; the client adds the User-Agent, retries and limits.
///
/// Header values are never logged or put into error messages, so tokens belong in `headers`
/// (`("Authorization", "Bearer …")`), never in the URL.
public struct HTTPRequest: Sendable {
    /// The method, upper-case: "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD".
    public var method: String
    /// An absolute http or https URL, already percent-encoded (build it with `URLBuilder`).
    public var url: String
    /// Extra request headers, sent in order. A `User-Agent` here replaces the client's.
    public var headers: [(String, String)]
    /// The request body; nil sends none. Set a `Content-Type` header when you send one.
    public var body: [UInt8]?
    /// The total time allowed for one attempt (connect, send, receive); nil uses the
    /// client's `requestTimeout`. The run's deadline, if the client has one, bounds it.
    public var timeout: Duration?
    /// The largest answer this request accepts; nil uses the client's `maxResponseBytes`.
    public var maxResponseBytes: Int?
    /// This request's retry policy; nil uses the client's. The instance metadata service, for
    /// one, must fail fast off EC2 rather than be retried for minutes.
    public var retry: RetryPolicy?
    /// What the caller keeps of the answer: with a selection, a 2xx body is reduced to it while
    /// it arrives (`JSONSelectionFilter`, or `XMLSelectionFilter` when `bodyFormat` is `.xml`),
    /// so a large page is never held whole; parsing the body with the same selection gives the
    /// same value (`HTTPResponse.json(keeping:)`). Other answers, and every answer when nil,
    /// arrive whole.
    public var keeping: FieldSelection?
    /// How `keeping` reads the body.
    public var bodyFormat: BodyFormat = .json

    /// The languages a body can be reduced in as it arrives.
    public enum BodyFormat: Sendable, Equatable {
        case json
        /// Element names, from the root's children down (AWS's Query APIs).
        case xml
    }

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration? = nil, retry: RetryPolicy? = nil, maxResponseBytes: Int? = nil, keeping: FieldSelection? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.retry = retry
        self.maxResponseBytes = maxResponseBytes
        self.keeping = keeping
    }

    /// A GET request.
    public static func get(_ url: String, headers: [(String, String)] = []) -> HTTPRequest {
        HTTPRequest(method: "GET", url: url, headers: headers)
    }
}
