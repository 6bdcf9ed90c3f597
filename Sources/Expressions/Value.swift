import Pipeline

/// What an expression computes: a JSON value, or a time.
///
/// A time is seconds since the epoch, kept apart from numbers so that `time - time` is a number
/// of seconds and `time + number` a time; written back into a record it becomes an ISO 8601
/// string in UTC, to the whole second (`2026-11-23T05:30:00Z`).
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case time(Double)
    case array([Value])
    case object(JSONObject)

    public init(_ json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array(let elements): self = .array(elements.map(Value.init))
        case .object(let object): self = .object(object)
        }
    }

    /// The value as JSON, for a record: a time as an ISO 8601 string.
    public var json: JSON {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .time(let t): .string(Timestamp.format(t))
        case .array(let elements): .array(elements.map(\.json))
        case .object(let object): .object(object)
        }
    }

    public var isNull: Bool { self == .null }

    /// The name of the value's kind, for messages ("found a string").
    public var kindName: String {
        switch self {
        case .time: "a time"
        default: json.kindName
        }
    }

    /// The value under `segment`: an object's key, an array's index (`0`), or, for any other name on
    /// an array, that name of each element (nulls left out); null when there is none.
    func member(_ segment: String) -> Value {
        switch self {
        case .object(let object): return object[segment].map(Value.init) ?? .null
        case .array(let elements):
            if let index = Int(segment) { return elements.indices.contains(index) ? elements[index] : .null }
            return .array(elements.map { $0.member(segment) }.filter { !$0.isNull })
        default: return .null
        }
    }
}
