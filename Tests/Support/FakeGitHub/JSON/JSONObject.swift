import Foundation

/// A JSON value for response bodies. Renderers write objects with dictionary literals whose
/// values are any `JSONRepresentable` (strings, numbers, booleans, optionals, arrays, objects);
/// each is converted once, without dynamic casts.
enum JSONValue: Encodable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object(JSONObject)

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let object):
            try object.encode(to: encoder)
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}

/// A JSON object built with dictionary-literal syntax.
struct JSONObject: ExpressibleByDictionaryLiteral, Encodable {
    typealias Key = String
    typealias Value = any JSONRepresentable

    var pairs: [(String, JSONValue)]

    init(dictionaryLiteral elements: (String, any JSONRepresentable)...) {
        pairs = elements.map { ($0.0, $0.1.jsonValue) }
    }

    /// Setting replaces a field in place or appends it.
    subscript(key: String) -> (any JSONRepresentable)? {
        get { pairs.first(where: { $0.0 == key })?.1 }
        set {
            if let index = pairs.firstIndex(where: { $0.0 == key }) {
                if let newValue { pairs[index].1 = newValue.jsonValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append((key, newValue.jsonValue))
            }
        }
    }

    /// Adds or replaces every field of `other`.
    mutating func merge(_ other: JSONObject) {
        for (key, value) in other.pairs { self[key] = value }
    }

    struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        for (key, value) in pairs { try container.encode(value, forKey: FieldKey(stringValue: key)) }
    }
}

/// Types that can appear as values in a `JSONObject` literal.
protocol JSONRepresentable {
    var jsonValue: JSONValue { get }
}

extension JSONValue: JSONRepresentable { var jsonValue: JSONValue { self } }
extension JSONObject: JSONRepresentable { var jsonValue: JSONValue { .object(self) } }
extension String: JSONRepresentable { var jsonValue: JSONValue { .string(self) } }
extension Substring: JSONRepresentable { var jsonValue: JSONValue { .string(String(self)) } }
extension Int: JSONRepresentable { var jsonValue: JSONValue { .int(self) } }
extension Double: JSONRepresentable { var jsonValue: JSONValue { .double(self) } }
extension Bool: JSONRepresentable { var jsonValue: JSONValue { .bool(self) } }
extension Optional: JSONRepresentable where Wrapped: JSONRepresentable {
    var jsonValue: JSONValue { self?.jsonValue ?? .null }
}
extension Array: JSONRepresentable where Element: JSONRepresentable {
    var jsonValue: JSONValue { .array(map(\.jsonValue)) }
}
extension Dictionary: JSONRepresentable where Key == String, Value: JSONRepresentable {
    var jsonValue: JSONValue {
        var object: JSONObject = [:]
        for key in keys.sorted() { object[key] = self[key]! }
        return .object(object)
    }
}

/// Serialises bodies with Foundation's `JSONEncoder`, independent of the engine's JSON code.
/// Keys are sorted so bodies and ETags are identical from run to run. (JSONSerialization was
/// measured at ~5 MB/s on Linux, 300 ms for a page of 100 workflow runs; this is ~15× faster.)
enum JSONBody {
    static func encode(_ value: some JSONRepresentable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return [UInt8](try! encoder.encode(value.jsonValue))
    }

    static let null = JSONValue.null

    static func date(_ date: Date?) -> JSONValue { date.map { .string(GitHubDate.format($0)) } ?? .null }
}

/// A stable 64-bit FNV-1a hash, for ids and ETags derived from names and bodies.
func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01B3
    }
    return hash
}
