/// Datadog's metric-name rules (docs.datadoghq.com, "Custom Metrics", naming):
///
/// - names start with a letter;
/// - they contain only ASCII letters, digits, underscores and periods: anything else, spaces
///   included, is converted to an underscore (Unicode is not supported);
/// - they are at most 200 characters long;
/// - they are case-sensitive.
///
/// Datadog does not reject a name that breaks them: it stores the metric under a rewritten name,
/// so dashboards and monitors that query the written name find nothing. Stages that name metrics
/// therefore treat such a name as an error when the file is loaded, and the Datadog sink checks
/// every point it receives again.
public enum MetricName {
    public static let maxLength = 200

    /// Nil when Datadog stores `name` as written; otherwise what is wrong, and a name that works.
    public static func check(_ name: String) -> String? {
        guard !name.isEmpty else { return "the metric name is empty" }
        let scalars = Array(name.unicodeScalars)
        var problems: [String] = []
        if !isLetter(scalars[0]) { problems.append("does not start with a letter") }
        var invalid: [String] = []
        for scalar in scalars where !isAllowed(scalar) {
            let shown = scalar == " " ? "space" : "\"\(scalar)\""
            if !invalid.contains(shown) { invalid.append(shown) }
        }
        if !invalid.isEmpty {
            let listed = invalid.prefix(5).joined(separator: ", ") + (invalid.count > 5 ? ", …" : "")
            problems.append("contains \(listed) (only ASCII letters, digits, _ and . are allowed)")
        }
        if scalars.count > maxLength {
            problems.append("is \(scalars.count) characters long (at most \(maxLength))")
        }
        guard !problems.isEmpty else { return nil }
        var message =
            "metric name \"\(name)\" \(problems.joined(separator: " and ")): Datadog would store it under another name"
        let suggestion = rewritten(name)
        if suggestion != name, !suggestion.isEmpty, check(suggestion) == nil { message += "; use \"\(suggestion)\"" }
        return message
    }

    /// `name` the way Datadog's own clients rewrite it: every run of other characters becomes one
    /// `_`, leading characters that are not letters go, and it is cut at 200 characters.
    public static func rewritten(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        var inRun = false
        for scalar in name.unicodeScalars {
            if isAllowed(scalar) {
                out.append(scalar)
                inRun = false
            } else if !inRun {
                out.append("_")
                inRun = true
            }
        }
        while let first = out.first, !isLetter(first) { out.removeFirst() }
        var result = String(out)
        if result.unicodeScalars.count > maxLength {
            result = String(String.UnicodeScalarView(result.unicodeScalars.prefix(maxLength)))
        }
        return result
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "."
    }
}
