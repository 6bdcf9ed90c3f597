import Pipeline

/// A number in a record that a double cannot hold: `1e999` (the parser reads it as infinity),
/// `-1e999`, or a numeric string as large. Reading it as missing would compute the metric over
/// part of the data, and a wrong number is worse than a missing one: the stage fails, naming
/// the field.
struct UnrepresentableNumber: Error, CustomStringConvertible {
    var field: FieldPath

    var description: String {
        "field \(field) is a number beyond the range of a double (±1.8e308, such as 1e999); it cannot be read as "
            + "missing without making the result wrong, so the stage fails"
    }
}

/// How stages read numbers and times out of record fields.
///
/// A number too large for a double (`UnrepresentableNumber`) throws, naming `field`: the record
/// holds a value, just not one that can be computed with.
enum Values {
    /// A number, or a string that is a plain decimal number (`"42"`, `"-1.5e3"`); nil for
    /// anything else, including null and booleans.
    static func number(_ value: JSON, field: FieldPath) throws(UnrepresentableNumber) -> Double? {
        switch value {
        case .number(let n):
            guard n.isFinite else { throw UnrepresentableNumber(field: field) }
            return n
        case .string(let s):
            guard !s.isEmpty, s.utf8.allSatisfy({ isNumberByte($0) }), let n = Double(s) else { return nil }
            guard n.isFinite else { throw UnrepresentableNumber(field: field) }
            return n
        default:
            return nil
        }
    }

    /// Every number `path` reaches in `record` (arrays flattened), skipping what is not one.
    static func numbers(_ path: FieldPath, in record: JSON) throws(UnrepresentableNumber) -> [Double] {
        var numbers: [Double] = []
        for value in path.values(in: record) {
            if let n = try number(value, field: path) { numbers.append(n) }
        }
        return numbers
    }

    /// A time in seconds since the epoch: an ISO 8601 string, or a number of seconds.
    static func time(_ value: JSON, field: FieldPath) throws(UnrepresentableNumber) -> Double? {
        switch value {
        case .string(let s): return Timestamp.parse(s)
        case .number(let n):
            guard n.isFinite else { throw UnrepresentableNumber(field: field) }
            return n
        default: return nil
        }
    }

    /// The first time `path` reaches in `record`.
    static func time(_ path: FieldPath, in record: JSON) throws(UnrepresentableNumber) -> Double? {
        guard let value = path.value(in: record) else { return nil }
        return try time(value, field: path)
    }

    /// A value that orders records: a number, a time, or a numeric string.
    static func ordering(_ value: JSON, field: FieldPath) throws(UnrepresentableNumber) -> Double? {
        if case .string(let s) = value, let t = Timestamp.parse(s) { return t }
        return try number(value, field: field)
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
