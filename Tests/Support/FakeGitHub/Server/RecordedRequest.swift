/// One API request as the fake saw it, so tests can assert what a client sent.
public struct RecordedRequest: Sendable, Equatable {
    /// 1 for the first API request (the `/_stats` endpoint is not recorded).
    public var number: Int
    public var method: String
    /// The request target as sent (`path?query`).
    public var target: String
    public var path: String
    public var authorization: String?
    public var userAgent: String?
    /// The status answered; 0 when the connection was dropped.
    public var status: Int
    /// When the request arrived (seconds since 1970), for the request log benchmarks read (`/_log`).
    public var arrivedAt: Double = 0
    /// Bytes of the answer's body.
    public var bodyBytes: Int = 0
}
