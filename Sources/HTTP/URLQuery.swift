import Pipeline

/// Percent-encoding and query-string editing on URL strings.
///
/// Works on the raw text rather than through `URLComponents`, so the parts of a URL it does
/// not touch keep their exact bytes (GitHub's `Link` URLs encode spaces as `+`, for example,
/// and must be sent back as given).
public enum URLQuery {
    /// Percent-encodes everything except RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`),
    /// so the result is safe as a query name, a query value or a path segment.
    public static func percentEncode(_ text: String) -> String { percentEncode(text, keeping: []) }

    /// Percent-encodes a value placed in a URL's path: as `percentEncode(_:)`, but `/` is kept, so
    /// `owner/repo` stays two segments while a space, `?` or `#` cannot change the URL's shape.
    public static func percentEncodePath(_ text: String) -> String { percentEncode(text, keeping: [UInt8(ascii: "/")]) }

    private static func percentEncode(_ text: String, keeping kept: Set<UInt8>) -> String {
        var output = [UInt8]()
        output.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            case _ where kept.contains(byte):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` escapes and, as in form encoding, `+` as a space. Nil if an escape is
    /// malformed or the bytes are not UTF-8.
    public static func percentDecode(_ text: String) -> String? {
        var output = [UInt8]()
        output.reserveCapacity(text.utf8.count)
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "+"): output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else {
                    return nil
                }
                output.append(high << 4 | low)
            default: output.append(byte)
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    /// `name=value&…` with both sides percent-encoded, in the order given.
    public static func encode(_ items: [(String, String)]) -> String {
        items.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    /// The decoded query items of a URL, in order (an item without `=` has the value "").
    public static func items(in url: String) -> [(String, String)] {
        guard let query = split(url).query else { return [] }
        return query.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            return (percentDecode(name) ?? name, percentDecode(value) ?? value)
        }
    }

    /// The decoded value of the first query parameter called `name`, or nil.
    public static func value(of name: String, in url: String) -> String? {
        items(in: url).first { $0.0 == name }?.1
    }

    /// The URL with parameter `name` set to `value`: the first occurrence is replaced in place,
    /// later duplicates are removed, and the parameter is appended if absent. Everything else
    /// (other parameters, their encoding, the fragment) is kept byte for byte.
    public static func setting(_ name: String, to value: String, in url: String) -> String {
        let parts = split(url)
        let replacement = percentEncode(name) + "=" + percentEncode(value)
        var items: [String] = []
        var replaced = false
        for item in (parts.query ?? "").split(separator: "&") {
            let rawName = String(item.prefix { $0 != "=" })
            if (percentDecode(rawName) ?? rawName) == name {
                if !replaced { items.append(replacement) }
                replaced = true
            } else {
                items.append(String(item))
            }
        }
        if !replaced { items.append(replacement) }
        return parts.base + "?" + items.joined(separator: "&") + parts.fragment
    }

    /// Splits a URL into the part before `?`, the raw query (without `?`) and the fragment
    /// (with `#`).
    static func split(_ url: String) -> (base: Substring, query: Substring?, fragment: Substring) {
        var rest = Substring(url)
        var fragment: Substring = ""
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[hash...]
            rest = rest[..<hash]
        }
        guard let question = rest.firstIndex(of: "?") else { return (rest, nil, fragment) }
        return (rest[..<question], rest[rest.index(after: question)...], fragment)
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
