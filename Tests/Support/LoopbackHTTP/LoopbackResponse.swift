/// What a handler answers: a status, headers and a body, plus two knobs tests use to simulate
/// slow servers (`delay`) and broken ones (`dropConnection`).
///
/// `Content-Length` is always computed by the server; a handler-supplied one is ignored.
public struct LoopbackResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Time to sleep before answering; the request counts as in flight meanwhile.
    public var delay: Duration = .zero
    /// Close the socket without answering (the client sees an empty reply / reset).
    public var dropConnection: Bool = false

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body; adds `content-type: application/json` unless `headers` already has one.
    public static func json(_ text: String, status: Int = 200, headers: [(String, String)] = [])
        -> LoopbackResponse
    {
        var all = headers
        if !all.contains(where: { $0.0.lowercased() == "content-type" }) {
            all.insert(("content-type", "application/json"), at: 0)
        }
        return LoopbackResponse(status: status, headers: all, body: Array(text.utf8))
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first(where: { $0.0.lowercased() == wanted })?.1
    }
}
