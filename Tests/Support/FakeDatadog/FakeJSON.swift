/// A JSON value as the fake intake reads request bodies: numbers remember whether they were
/// written as integers, because Datadog's schema wants `timestamp`, `type` and `interval` to be
/// integers (`1795410000`, not `1795410000.0`).
public enum FakeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double, isInteger: Bool)
    case string(String)
    case array([FakeJSON])
    case object(FakeJSONObject)

    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number(_, let isInteger): isInteger ? "an integer" : "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Parses `bytes` (UTF-8); throws a message with the byte offset.
    public static func parse(_ bytes: [UInt8]) throws(FakeJSONError) -> FakeJSON {
        let result: Result<FakeJSON, FakeJSONError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            do throws(FakeJSONError) {
                parser.skipSpace()
                let value = try parser.value(depth: 0)
                parser.skipSpace()
                guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String) -> FakeJSONError { FakeJSONError(message: "\(message) at byte \(index)") }

        @inline(__always) var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

        mutating func skipSpace() {
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
                index += 1
            }
        }

        mutating func value(depth: Int) throws(FakeJSONError) -> FakeJSON {
            guard depth < 64 else { throw error("nesting too deep") }
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws(FakeJSONError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("invalid literal") }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            for offset in 0..<count where bytes[index + offset] != expected[offset] { throw error("invalid literal") }
            index += count
        }

        mutating func object(depth: Int) throws(FakeJSONError) -> FakeJSON {
            index += 1
            var pairs: [(key: String, value: FakeJSON)] = []
            skipSpace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(FakeJSONObject(pairs: pairs))
            }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a key") }
                let key = try string()
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipSpace()
                let member = try value(depth: depth + 1)
                for pair in pairs where pair.key == key { throw error("duplicate key \"\(key)\"") }
                pairs.append((key, member))
                skipSpace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(FakeJSONObject(pairs: pairs))
                default:
                    throw error(index < bytes.count ? "expected ',' or '}'" : "unexpected end of input in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(FakeJSONError) -> FakeJSON {
            index += 1
            var elements: [FakeJSON] = []
            skipSpace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                elements.append(try value(depth: depth + 1))
                skipSpace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(elements)
                default:
                    throw error(index < bytes.count ? "expected ',' or ']'" : "unexpected end of input in an array")
                }
            }
        }

        mutating func string() throws(FakeJSONError) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    guard
                        let text = String(
                            validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    else { throw error("invalid UTF-8 in a string") }
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                index += 1
            }
            index = start
            return try escapedString()
        }

        mutating func escapedString() throws(FakeJSONError) -> String {
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() throws(FakeJSONError) {
                guard !raw.isEmpty else { return }
                guard let text = String(validating: raw, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string")
                }
                scalars.append(contentsOf: text.unicodeScalars)
                raw.removeAll()
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    index += 1
                    guard index < bytes.count else { break }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { throw error("unpaired surrogate") }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                        scalars.append(scalar)
                    default: throw error("invalid escape")
                    }
                case 0..<0x20:
                    throw error("control character in a string")
                default:
                    raw.append(byte)
                    index += 1
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws(FakeJSONError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("short \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
            }
            index += 4
            return value
        }

        mutating func skipDigits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - from
        }

        mutating func number() throws(FakeJSONError) -> FakeJSON {
            let start = index
            var isInteger = true
            if current == UInt8(ascii: "-") { index += 1 }
            let intDigits = skipDigits()
            guard intDigits > 0 else { throw error("invalid value") }
            if intDigits > 1, bytes[index - intDigits] == UInt8(ascii: "0") { throw error("leading zero in a number") }
            if current == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard skipDigits() > 0 else { throw error("invalid number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard skipDigits() > 0 else { throw error("invalid number") }
            }
            // Integers of up to 15 digits are exact as doubles: add them up without a String.
            if isInteger, intDigits <= 15 {
                var value = 0
                for byte in bytes[(index - intDigits)..<index] { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
                return .number(Double(bytes[start] == UInt8(ascii: "-") ? -value : value), isInteger: true)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw error("number out of range") }
            return .number(value, isInteger: isInteger)
        }
    }
}

/// An object's members in the order written (request bodies have a handful per object).
public struct FakeJSONObject: Sendable, Equatable {
    public var pairs: [(key: String, value: FakeJSON)]

    public var keys: [String] { pairs.map(\.key) }

    public subscript(key: String) -> FakeJSON? {
        for pair in pairs where pair.key == key { return pair.value }
        return nil
    }

    public static func == (lhs: FakeJSONObject, rhs: FakeJSONObject) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A body that is not JSON.
public struct FakeJSONError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
