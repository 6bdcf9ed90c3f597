/// Builds the syntax tree from tokens by precedence climbing, loosest binding first:
///
/// | level | operators |
/// |---|---|
/// | 1 | `or` |
/// | 2 | `and` |
/// | 3 | `not` (prefix) |
/// | 4 | `== != < <= > >=` (do not chain: `a < b < c` is an error) |
/// | 5 | `??` (right-associative) |
/// | 6 | `+ -` |
/// | 7 | `* /` |
/// | 8 | `-` (prefix) |
/// | 9 | literals, paths, calls `f(a, b)`, `( … )`, members of the last two `f(a).b` |
struct Parser {
    private var tokens: [Token]
    private var index = 0
    /// How many predicates (`any(xs, …)`'s second argument) enclose the token: `it` is defined inside one only.
    private var predicateDepth = 0

    static func parse(_ text: String) throws(ExpressionError) -> Node {
        var parser = Parser(tokens: try Lexer.tokens(text))
        let node = try parser.or()
        guard case .end = parser.current.kind else {
            throw ExpressionError(column: parser.current.column, "expected an operator or the end, found \(parser.current.shown)")
        }
        return node
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var current: Token { tokens[index] }

    private mutating func take(_ symbol: String) -> Token? {
        switch current.kind {
        case .symbol(symbol), .keyword(symbol):
            defer { index += 1 }
            return current
        default: return nil
        }
    }

    private mutating func or() throws(ExpressionError) -> Node {
        var left = try and()
        while let op = take("or") { left = .binary("or", left, try and(), column: op.column) }
        return left
    }

    private mutating func and() throws(ExpressionError) -> Node {
        var left = try not()
        while let op = take("and") { left = .binary("and", left, try not(), column: op.column) }
        return left
    }

    private mutating func not() throws(ExpressionError) -> Node {
        if let op = take("not") { return .unary("not", try not(), column: op.column) }
        return try comparison()
    }

    static let comparisons = ["==", "!=", "<", "<=", ">", ">="]

    private mutating func comparison() throws(ExpressionError) -> Node {
        let left = try coalescing()
        guard let op = peekComparison() else { return left }
        index += 1
        let node = Node.binary(op.symbol, left, try coalescing(), column: op.column)
        if let again = peekComparison() {
            throw ExpressionError(
                column: again.column, "comparisons do not chain: join them with \"and\" (a < b and b < c)")
        }
        return node
    }

    private func peekComparison() -> (symbol: String, column: Int)? {
        if case .symbol(let symbol) = current.kind, Self.comparisons.contains(symbol) { return (symbol, current.column) }
        return nil
    }

    private mutating func coalescing() throws(ExpressionError) -> Node {
        let left = try additive()
        guard let op = take("??") else { return left }
        return .binary("??", left, try coalescing(), column: op.column)
    }

    private mutating func additive() throws(ExpressionError) -> Node {
        var left = try multiplicative()
        while let op = take("+") ?? take("-") {
            left = .binary(op.symbol, left, try multiplicative(), column: op.column)
        }
        return left
    }

    private mutating func multiplicative() throws(ExpressionError) -> Node {
        var left = try prefix()
        while let op = take("*") ?? take("/") { left = .binary(op.symbol, left, try prefix(), column: op.column) }
        return left
    }

    private mutating func prefix() throws(ExpressionError) -> Node {
        if let op = take("-") { return .unary("-", try prefix(), column: op.column) }
        return try postfix()
    }

    private mutating func postfix() throws(ExpressionError) -> Node {
        let token = current
        var node = try primary()
        if case .path = token.kind, case .path = node { return node }
        while take(".") != nil {
            guard case .path(let segments) = current.kind else {
                throw ExpressionError(column: current.column, "expected a field name after \".\", found \(current.shown)")
            }
            index += 1
            node = .member(node, segments)
        }
        return node
    }

    private mutating func primary() throws(ExpressionError) -> Node {
        let token = current
        switch token.kind {
        case .number(let n):
            index += 1
            return .literal(.number(n))
        case .string(let s):
            index += 1
            return .literal(.string(s))
        case .keyword("true"), .keyword("false"):
            index += 1
            return .literal(.bool(token.kind == .keyword("true")))
        case .keyword("null"):
            index += 1
            return .literal(.null)
        case .path(let segments):
            index += 1
            if segments.count == 1, take("(") != nil { return try call(segments[0], column: token.column) }
            if segments == ["now"] || segments == ["today"] { return .call(segments[0], [], column: token.column) }
            if segments[0] == "it", predicateDepth == 0 {
                throw ExpressionError(
                    column: token.column, "\"it\" is the element inside the predicate of any(), all() or first() only")
            }
            return .path(segments, column: token.column)
        case .symbol("("):
            index += 1
            let inner = try or()
            guard take(")") != nil else {
                throw ExpressionError(column: current.column, "expected \")\", found \(current.shown)")
            }
            return inner
        default:
            throw ExpressionError(column: token.column, "expected a value, a field or \"(\", found \(token.shown)")
        }
    }

    private mutating func call(_ name: String, column: Int) throws(ExpressionError) -> Node {
        guard let function = Functions.named[name] else {
            throw ExpressionError(
                column: column, "unknown function \"\(name)\"; known: \(Functions.all.map(\.name).joined(separator: ", "))")
        }
        var arguments: [Node] = []
        if take(")") == nil {
            repeat {
                // The second argument of any/all/first/filter/map/sort is evaluated per element (`it`).
                let isPredicate = function.takesPredicate && arguments.count == 1
                if isPredicate { predicateDepth += 1 }
                arguments.append(try or())
                if isPredicate { predicateDepth -= 1 }
            } while take(",") != nil
            guard take(")") != nil else {
                throw ExpressionError(column: current.column, "expected \",\" or \")\", found \(current.shown)")
            }
        }
        guard function.arity.contains(arguments.count) else {
            throw ExpressionError(column: column, "\(name)() takes \(function.arityText), given \(arguments.count)")
        }
        return .call(name, arguments, column: column)
    }
}

extension Token {
    /// The operator text of a symbol or keyword token.
    fileprivate var symbol: String {
        switch kind {
        case .symbol(let s), .keyword(let s): s
        default: ""
        }
    }
}
