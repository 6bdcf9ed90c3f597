import Pipeline

/// One lexical unit of an expression, with the 1-based column where it starts.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case string(String)
        /// A name or a dotted path (`due_at`, `assignee.gid`, `labels.0.name`), split into segments.
        case path([String])
        /// An operator or punctuation: `+ - * / == != < <= > >= ?? ( ) , .`.
        case symbol(String)
        /// `and`, `or`, `not`, `true`, `false`, `null`.
        case keyword(String)
        case end
    }

    var kind: Kind
    var column: Int

    /// How the token is named in "expected …, found …" messages.
    var shown: String {
        switch kind {
        case .number(let n): JSON.formatNumber(n)
        case .string: "a string"
        case .path(let segments): "\"\(segments.joined(separator: "."))\""
        case .symbol(let s), .keyword(let s): "\"\(s)\""
        case .end: "the end"
        }
    }
}
