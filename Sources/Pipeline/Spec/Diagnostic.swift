/// One fault in a pipeline file, located by its JSON path: `stages.open_prs.inputs[0]: unknown stage …`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    /// Values quoted in `message` longer than `quoteLimit` characters are cut (`Diagnostic.quote`):
    /// a 1 MB value is not repeated whole, whichever stage's check quoted it.
    public init(path: String, message: String) {
        self.path = path
        self.message = Diagnostic.shorteningQuotes(in: message)
    }

    public init(path: [String], message: String) {
        self.init(path: Diagnostic.render(path), message: message)
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }

    /// `["stages", "prs", "inputs", "[0]"]` → `stages.prs.inputs[0]`. An empty key shows as `""`
    /// and a key longer than `quoteLimit` characters is cut, as values are.
    public static func render(_ path: [String]) -> String {
        var out = ""
        for segment in path {
            if segment.hasPrefix("[") {
                out += segment
            } else {
                if !out.isEmpty { out += "." }
                out += segment.isEmpty ? "\"\"" : cut(segment)
            }
        }
        return out
    }

    /// Quoted values and keys show at most this many characters.
    public static let quoteLimit = 80

    /// `text` in double quotes; cut to its first `quoteLimit` characters, with its size, when
    /// longer: `"aaaa…" (1048576 bytes)`.
    public static func quote(_ text: some StringProtocol) -> String {
        guard let end = cutPoint(text) else { return "\"\(text)\"" }
        return "\"\(text[..<end])…\" (\(text.utf8.count) bytes)"
    }

    /// `text` cut as `quote` cuts it, without the quotes: `aaaa… (1048576 bytes)`.
    static func cut(_ text: String) -> String {
        guard let end = cutPoint(text) else { return text }
        return "\(text[..<end])… (\(text.utf8.count) bytes)"
    }

    /// Where `text` is cut, nil when it is short enough to show whole.
    private static func cutPoint<S: StringProtocol>(_ text: S) -> S.Index? {
        guard text.utf8.count > quoteLimit,
            let end = text.index(text.startIndex, offsetBy: quoteLimit, limitedBy: text.endIndex), end < text.endIndex
        else { return nil }
        return end
    }

    /// `message` with each stretch between double quotes longer than `quoteLimit` characters cut
    /// by `quote`, so a check that quoted a value whole (`"…" is not owner/name`) still prints one
    /// short line. Quotes already cut are left as they are.
    static func shorteningQuotes(in message: String) -> String {
        guard message.utf8.count > quoteLimit + 2 else { return message }
        var out = ""
        var rest = Substring(message)
        while let open = rest.firstIndex(of: "\"") {
            out += rest[..<open]
            let inside = rest[rest.index(after: open)...]
            guard let close = inside.firstIndex(of: "\"") else {
                // An unbalanced quote: cut what follows it like a quoted value.
                return out + (inside.utf8.count > quoteLimit ? quote(inside) : "\"" + inside)
            }
            let value = inside[..<close]
            let alreadyCut = value.hasSuffix("…") && value.count <= quoteLimit + 1
            out += alreadyCut ? "\"\(value)\"" : quote(value)
            rest = inside[inside.index(after: close)...]
        }
        out += rest
        // Whatever else made it long (a list, an unquoted value) is cut too: one line stays short.
        guard out.utf8.count > messageLimit, let end = out.index(out.startIndex, offsetBy: messageLimit, limitedBy: out.endIndex),
            end < out.endIndex
        else { return out }
        return "\(out[..<end])… (\(out.utf8.count) bytes)"
    }

    /// The longest message shown whole, in characters.
    static let messageLimit = 1_000
}

/// A pipeline file that cannot run, with every fault found (exit code 2).
public struct PipelineFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var diagnostics: [Diagnostic]

    public init(file: String, diagnostics: [Diagnostic]) {
        self.file = file
        self.diagnostics = diagnostics
    }

    /// One line per fault, each naming the file.
    public var description: String { diagnostics.map { "\(file): \($0)" }.joined(separator: "\n") }
}
