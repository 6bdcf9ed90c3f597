import Pipeline

/// How stages read numbers and times out of record fields.
enum Values {
    /// A number, or a string that is a plain decimal number (`"42"`, `"-1.5e3"`); nil for
    /// anything else, including null, booleans and non-finite values.
    static func number(_ value: JSON) -> Double? {
        switch value {
        case .number(let n):
            return n.isFinite ? n : nil
        case .string(let s):
            guard !s.isEmpty, s.utf8.allSatisfy({ isNumberByte($0) }), let n = Double(s), n.isFinite else { return nil }
            return n
        default:
            return nil
        }
    }

    /// Every number `path` reaches in `record` (arrays flattened), skipping what is not one.
    static func numbers(_ path: FieldPath, in record: JSON) -> [Double] {
        path.values(in: record).compactMap(number)
    }

    /// A time in seconds since the epoch: an ISO 8601 string, or a number of seconds.
    static func time(_ value: JSON) -> Double? {
        switch value {
        case .string(let s): Timestamp.parse(s)
        case .number(let n): n.isFinite ? n : nil
        default: nil
        }
    }

    /// The first time `path` reaches in `record`.
    static func time(_ path: FieldPath, in record: JSON) -> Double? {
        path.value(in: record).flatMap(time)
    }

    /// A value that orders records: a number, a time, or a numeric string.
    static func ordering(_ value: JSON) -> Double? {
        if case .string(let s) = value, let t = Timestamp.parse(s) { return t }
        return number(value)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default:
            false
        }
    }
}
