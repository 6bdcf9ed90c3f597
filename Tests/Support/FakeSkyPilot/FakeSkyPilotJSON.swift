import Foundation

/// JSON with keys in a chosen order: the fake writes rows, records and payloads with the keys in
/// the order the real server serves them (JSONSerialization would sort or shuffle them).
public indirect enum FakeSkyPilotJSON: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral
{
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([FakeSkyPilotJSON])
    case object([(String, FakeSkyPilotJSON)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }

    static func optional(_ value: String?) -> FakeSkyPilotJSON { value.map { .string($0) } ?? .null }
    static func optional(_ value: Double?) -> FakeSkyPilotJSON { value.map { .double($0) } ?? .null }
    static func optional(_ value: Int?) -> FakeSkyPilotJSON { value.map { .int($0) } ?? .null }
    static func optional(_ value: Bool?) -> FakeSkyPilotJSON { value.map { .bool($0) } ?? .null }

    /// Compact JSON text (no spaces), as the real server writes `return_value` and `error`.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        // Swift's shortest round-trip form, like Python's repr: 21600.0, 1796533519.6345036.
        case .double(let value): out += "\(value)"
        case .string(let value): Self.quote(value, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20: out += String(format: "\\u%04x", control.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A base64 string that looks like a pickle (`gASV…`, what the real server puts in `handle`,
    /// `resources`, `entrypoint`, `request_body` and `error.object`): deterministic per `seed`
    /// text, `length` bytes of noise after the pickle's protocol-4 frame header. It is not a
    /// pickle and nothing should ever decode it.
    public static func pickle(_ seed: String, length: Int = 96) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var generator = SplitMix64(seed: hash)
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
        // "gASV" is the base64 of the 3 bytes 80 04 95: concatenating keeps it valid base64.
        return "gASV" + Data(bytes).base64EncodedString()
    }
}
