/// Datadog's tag rules, applied to every tag a pipeline writes.
///
/// A tag is `key:value`, lower-cased; characters other than letters, digits, `_ - : . /` become
/// `_`; runs of `_` collapse; it starts with a letter and is at most 200 characters.
public enum Tags {
    public static func normalize(_ tag: String) -> String {
        var out = ""
        var lastWasUnderscore = false
        for scalar in tag.lowercased().unicodeScalars {
            let keep = scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
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

    /// `key:value` for each pair whose value is not empty, normalised, in key order.
    public static func from(_ pairs: [(String, String)]) -> [String] {
        pairs.filter { !$0.1.isEmpty }.map { normalize("\($0.0):\($0.1)") }
    }
}
