/// Incremental HTTP/1.x request parsing over a connection's receive buffer.
///
/// Deliberately small: request line, header fields, and a body framed by `Content-Length`
/// (chunked request bodies are refused; no test client sends them).
enum ParseResult {
    /// Not a whole request yet; `expectsContinue` is true when the head is complete, carries
    /// `Expect: 100-continue`, and the body has not arrived.
    case needMore(expectsContinue: Bool)
    /// A whole request and the number of buffer bytes it used.
    case request(HTTPRequestHead, keepAlive: Bool, consumed: Int)
    /// Malformed or unsupported; answer with this status and close.
    case invalid(status: Int)
}

enum RequestParser {
    /// Heads larger than this are refused, so a misbehaving client cannot grow the buffer forever.
    static let maxHeadBytes = 1 << 20

    static func parse(_ buffer: [UInt8]) -> ParseResult {
        guard let headEnd = findHeadEnd(buffer) else {
            return buffer.count > maxHeadBytes ? .invalid(status: 431) : .needMore(expectsContinue: false)
        }
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let requestLine = lines.popFirst() else { return .invalid(status: 400) }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .invalid(status: 400) }

        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return .invalid(status: 400) }
            let name = line[..<colon].lowercased()
            let value = trimmed(line[line.index(after: colon)...])
            if let previous = headers[name] {
                headers[name] = previous + ", " + value
            } else {
                headers[name] = value
            }
        }

        if let encoding = headers["transfer-encoding"], encoding.lowercased() != "identity" {
            return .invalid(status: 501)
        }
        var bodyLength = 0
        if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { return .invalid(status: 400) }
            bodyLength = length
        }
        let bodyStart = headEnd + 4
        guard buffer.count >= bodyStart + bodyLength else {
            let expects = headers["expect"]?.lowercased() == "100-continue"
            return .needMore(expectsContinue: expects)
        }

        let version = parts[2]
        let connection = headers["connection"]?.lowercased() ?? ""
        let keepAlive: Bool
        if version == "HTTP/1.0" {
            keepAlive = connection.contains("keep-alive")
        } else {
            keepAlive = !connection.contains("close")
        }
        let head = HTTPRequestHead(
            method: String(parts[0]), target: String(parts[1]), headers: headers,
            body: Array(buffer[bodyStart..<(bodyStart + bodyLength)]))
        return .request(head, keepAlive: keepAlive, consumed: bodyStart + bodyLength)
    }

    /// Index of the first byte of the blank line's `\r\n\r\n`, if the head is complete.
    private static func findHeadEnd(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
