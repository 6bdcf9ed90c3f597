/// Datadog's tag rules, applied to every tag a pipeline writes.
///
/// A tag is `key:value`, lower-cased; characters other than letters, digits, `_ - : . /` become
/// `_`; runs of `_` collapse; it starts with a letter and is at most 200 characters.
public enum Tags {
    public static func normalize(_ tag: String) -> String {
        if isNormalized(tag) { return tag }
        var out = ""
        var lastWasUnderscore = false
        for scalar in tag.lowercased().unicodeScalars {
            let keep =
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || ["_", "-", ":", ".", "/"].contains(scalar)
            if keep, scalar != "_" {
                out.unicodeScalars.append(scalar)
                lastWasUnderscore = false
            } else if !lastWasUnderscore {
                out.append("_")
                lastWasUnderscore = true
            }
        }
        while let first = out.unicodeScalars.first, !first.properties.isAlphabetic { out.removeFirst() }
        while out.hasSuffix("_") { out.removeLast() }
        if out.count > 200 { out = String(out.prefix(200)) }
        return out
    }

    /// A fast check, without allocating, for the common case of a tag already in normal form
    /// (ASCII only): sinks normalise every tag of every point.
    static func isNormalized(_ tag: String) -> Bool {
        var count = 0
        var previousUnderscore = false
        for byte in tag.utf8 {
            count += 1
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): previousUnderscore = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "."),
                UInt8(ascii: "/"):
                if count == 1 { return false }
                previousUnderscore = false
            case UInt8(ascii: "_"):
                if count == 1 || previousUnderscore { return false }
                previousUnderscore = true
            default: return false
            }
        }
        return count > 0 && count <= 200 && !previousUnderscore
    }

    /// `key:value` for each pair whose value is not empty, normalised, in key order.
    public static func from(_ pairs: [(String, String)]) -> [String] {
        pairs.filter { !$0.1.isEmpty }.map { normalize("\($0.0):\($0.1)") }
    }
}
