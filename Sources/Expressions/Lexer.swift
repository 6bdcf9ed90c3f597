/// Splits an expression's text into tokens.
///
/// Names are letters, digits and `_`, not starting with a digit (the keywords, and `now`,
/// `today` and `it`, are not field names); a path joins names (or array indexes) with `.`; a
/// lone `.` takes a member of a call or parenthesis: `json(config).lr`. Strings are in double
/// quotes with the escapes `\" \\ \n \t \r`.
struct Lexer {
    static let keywords: Set<String> = ["and", "or", "not", "true", "false", "null"]
    static let symbols = ["==", "!=", "<=", ">=", "??", "<", ">", "+", "-", "*", "/", "(", ")", ",", "."]

    static func tokens(_ text: String) throws(ExpressionError) -> [Token] {
        let chars = Array(text)
        var tokens: [Token] = []
        var i = 0
        func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        func isName(_ c: Character) -> Bool { isNameStart(c) || (c.isASCII && c.isNumber) }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
            } else if c.isASCII && c.isNumber
                || (c == "." && i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].isNumber)
            {
                var end = i
                while end < chars.count, chars[end].isASCII && (chars[end].isNumber || chars[end] == ".") { end += 1 }
                if end < chars.count, chars[end] == "e" || chars[end] == "E" {
                    var e = end + 1
                    if e < chars.count, chars[e] == "+" || chars[e] == "-" { e += 1 }
                    if e < chars.count, chars[e].isASCII && chars[e].isNumber {
                        end = e
                        while end < chars.count, chars[end].isASCII && chars[end].isNumber { end += 1 }
                    }
                }
                let literal = String(chars[i..<end])
                guard let value = Double(literal) else {
                    throw ExpressionError(column: column, "\"\(literal)\" is not a number")
                }
                if end < chars.count, isNameStart(chars[end]) {
                    throw ExpressionError(column: end + 1, "expected an operator after the number \(literal)")
                }
                tokens.append(Token(kind: .number(value), column: column))
                i = end
            } else if c == "\"" {
                var value = ""
                var j = i + 1
                var closed = false
                while j < chars.count {
                    let d = chars[j]
                    if d == "\"" {
                        closed = true
                        break
                    }
                    if d == "\\" {
                        guard j + 1 < chars.count else { break }
                        switch chars[j + 1] {
                        case "\"": value.append("\"")
                        case "\\": value.append("\\")
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        default:
                            throw ExpressionError(
                                column: j + 1, "unknown escape \\\(chars[j + 1]) (known: \\\" \\\\ \\n \\t \\r)")
                        }
                        j += 2
                    } else {
                        value.append(d)
                        j += 1
                    }
                }
                guard closed else { throw ExpressionError(column: column, "unterminated string: expected a closing \"") }
                tokens.append(Token(kind: .string(value), column: column))
                i = j + 1
            } else if isNameStart(c) {
                var segments: [String] = []
                var j = i
                while true {
                    let start = j
                    while j < chars.count, isName(chars[j]) { j += 1 }
                    guard j > start else { throw ExpressionError(column: j + 1, "expected a field name after \".\"") }
                    segments.append(String(chars[start..<j]))
                    guard j < chars.count, chars[j] == "." else { break }
                    j += 1
                }
                if segments.count == 1, keywords.contains(segments[0]) {
                    tokens.append(Token(kind: .keyword(segments[0]), column: column))
                } else {
                    tokens.append(Token(kind: .path(segments), column: column))
                }
                i = j
            } else if let symbol = symbols.first(where: { matches($0, chars, at: i) }) {
                tokens.append(Token(kind: .symbol(symbol), column: column))
                i += symbol.count
            } else {
                let hint = c == "=" ? " (to compare, write ==)" : c == "'" ? " (strings are in double quotes)" : ""
                throw ExpressionError(column: column, "unexpected character \"\(c)\"\(hint)")
            }
        }
        tokens.append(Token(kind: .end, column: chars.count + 1))
        return tokens
    }

    private static func matches(_ symbol: String, _ chars: [Character], at i: Int) -> Bool {
        let s = Array(symbol)
        return i + s.count <= chars.count && Array(chars[i..<(i + s.count)]) == s
    }
}
