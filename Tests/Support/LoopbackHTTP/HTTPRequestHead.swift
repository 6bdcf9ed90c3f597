/// One parsed HTTP request as the loopback server hands it to a handler.
///
/// The query is offered both raw (for tests that check exactly what a client sent) and decoded
/// (for handlers that just want parameter values).
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The path without the query string, still percent-encoded as sent.
    public var path: String
    /// Query parameters, percent-decoded (`+` is a space); when a name repeats, the last wins.
    public var query: [String: String]
    /// The query string as sent, without the leading `?` ("" when there is none).
    public var rawQuery: String
    /// The request target as sent: `path?query`.
    public var target: String
    /// Header fields with lower-cased names; repeated fields are joined with ", ".
    public var headers: [String: String]
    public var body: [UInt8]

    public init(
        method: String, target: String, headers: [String: String] = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            rawQuery = String(target[target.index(after: mark)...])
        } else {
            path = target
            rawQuery = ""
        }
        query = Self.decodeQuery(rawQuery)
        self.headers = headers
        self.body = body
    }

    /// Splits `a=1&b=x%20y` into a dictionary, decoding `+` and percent escapes.
    public static func decodeQuery(_ raw: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decodeComponent(parts[0])
            let value = parts.count > 1 ? decodeComponent(parts[1]) : ""
            result[name] = value
        }
        return result
    }

    private static func decodeComponent(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return percentDecode(spaced) ?? spaced
    }

    /// Percent-decoding without Foundation, so this target stays dependency-free.
    private static func percentDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension StringProtocol {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
