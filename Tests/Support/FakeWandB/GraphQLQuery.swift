import Foundation

/// A GraphQL input value: a literal of the query text, a `$variable`, or a variable's JSON value.
public indirect enum GraphQLValue: Sendable, Equatable, CustomStringConvertible {
    case variable(String)
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case null
    /// A bare name (`ASC`); the fake's schema has no enum argument, so these are only parsed.
    case enumValue(String)
    case list([GraphQLValue])
    case object([String: GraphQLValue])

    public var description: String {
        switch self {
        case .variable(let name): "$\(name)"
        case .string(let text): "\"\(text)\""
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .bool(let value): String(value)
        case .null: "null"
        case .enumValue(let name): name
        case .list(let items): "[\(items.map(\.description).joined(separator: ", "))]"
        case .object(let fields):
            "{\(fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))}"
        }
    }

    /// The value as a string, when it is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value as an integer, when it is one (a float with no fraction counts, as JSON has one number type).
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .float(let value) where value.rounded() == value && abs(value) < 1e15: Int(value)
        default: nil
        }
    }

    /// Converts a value of `JSONSerialization` (a request's `variables`) to a GraphQL value.
    public static func fromJSON(_ any: Any?) -> GraphQLValue {
        switch any {
        case nil: return .null
        case let text as String: return .string(text)
        case let number as NSNumber:
            // JSONSerialization's numbers: "c" is a boolean, "d"/"f" a number written with a fraction or exponent.
            switch String(cString: number.objCType) {
            case "c": return .bool(number.boolValue)
            case "d", "f": return .float(number.doubleValue)
            default: return .int(number.intValue)
            }
        case let list as [Any]: return .list(list.map { fromJSON($0) })
        case let object as [String: Any]: return .object(object.mapValues { fromJSON($0) })
        default: return .null
        }
    }
}

/// One field of a selection set: `alias: name(arguments) { selections }`.
public struct GraphQLField: Sendable, Equatable {
    public var alias: String?
    public var name: String
    public var arguments: [String: GraphQLValue]
    /// Empty for a leaf field.
    public var selections: [GraphQLField]
    public var line: Int
    public var column: Int

    /// The key the field's value has in the answer: its alias, else its name.
    public var responseKey: String { alias ?? name }
}

/// One variable definition of an operation: `$name: Type = default`.
public struct GraphQLVariableDefinition: Sendable, Equatable {
    public var name: String
    /// The type as written, e.g. `String!`, `[String]`.
    public var type: String
    public var defaultValue: GraphQLValue?

    public var isRequired: Bool { type.hasSuffix("!") && defaultValue == nil }
}

/// Why a query text does not parse (or uses what the fake does not support: fragments, mutations).
public struct GraphQLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var description: String { "\(message) (\(line):\(column))" }
}

/// A parsed GraphQL document of one query operation: `query Name($v: T!, …) { … }` or a bare `{ … }`.
///
/// Supported: variable definitions with defaults, arguments whose values are variables or literals
/// (string, block string, int, float, boolean, null, enum, list, object), nested selection sets,
/// aliases, comments and commas. Refused with a `GraphQLSyntaxError`: fragments (`...`, `fragment`),
/// directives, mutations, subscriptions and more than one operation.
public struct GraphQLQuery: Sendable, Equatable {
    public var operationName: String?
    public var variableDefinitions: [GraphQLVariableDefinition]
    public var selections: [GraphQLField]

    public init(parsing text: String) throws(GraphQLSyntaxError) {
        var parser = Parser(text)
        self = try parser.document()
    }

    init(operationName: String?, variableDefinitions: [GraphQLVariableDefinition], selections: [GraphQLField]) {
        self.operationName = operationName
        self.variableDefinitions = variableDefinitions
        self.selections = selections
    }

    /// Every variable name used anywhere in the selections' arguments.
    public var usedVariables: Set<String> {
        func walk(_ value: GraphQLValue, into names: inout Set<String>) {
            switch value {
            case .variable(let name): names.insert(name)
            case .list(let items): for item in items { walk(item, into: &names) }
            case .object(let fields): for field in fields.values { walk(field, into: &names) }
            default: break
            }
        }
        var names: Set<String> = []
        func visit(_ fields: [GraphQLField]) {
            for field in fields {
                for value in field.arguments.values { walk(value, into: &names) }
                visit(field.selections)
            }
        }
        visit(selections)
        return names
    }
}

/// A recursive-descent parser over the query's characters (unicode scalars), tracking line and column.
private struct Parser {
    let scalars: [Unicode.Scalar]
    var index = 0
    var line = 1
    var column = 1

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    mutating func document() throws(GraphQLSyntaxError) -> GraphQLQuery {
        skipIgnored()
        var operationName: String?
        var definitions: [GraphQLVariableDefinition] = []
        if peek != "{" {
            let (keywordLine, keywordColumn) = (line, column)
            guard let keyword = name() else { throw error("Syntax Error: Unexpected \(describePeek).") }
            switch keyword {
            case "query": break
            case "fragment":
                throw GraphQLSyntaxError(message: "Fragments are not supported", line: keywordLine, column: keywordColumn)
            case "mutation", "subscription":
                throw GraphQLSyntaxError(
                    message: "Operation \"\(keyword)\" is not supported", line: keywordLine, column: keywordColumn)
            default:
                throw GraphQLSyntaxError(
                    message: "Syntax Error: Unexpected Name \"\(keyword)\".", line: keywordLine, column: keywordColumn)
            }
            skipIgnored()
            if let operation = name() {
                operationName = operation
                skipIgnored()
            }
            if peek == "(" { definitions = try variableDefinitions() }
            skipIgnored()
            if peek == "@" { throw error("Directives are not supported") }
        }
        let selections = try selectionSet()
        skipIgnored()
        if index < scalars.count {
            if peek == "." || lookingAtWord("fragment") { throw error("Fragments are not supported") }
            throw error("Syntax Error: Unexpected \(describePeek); only one operation is supported.")
        }
        return GraphQLQuery(operationName: operationName, variableDefinitions: definitions, selections: selections)
    }

    mutating func variableDefinitions() throws(GraphQLSyntaxError) -> [GraphQLVariableDefinition] {
        try expect("(")
        var definitions: [GraphQLVariableDefinition] = []
        while true {
            skipIgnored()
            if peek == ")" {
                advance()
                break
            }
            try expect("$")
            guard let variable = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
            if definitions.contains(where: { $0.name == variable }) {
                throw error("There can be only one variable named \"$\(variable)\".")
            }
            skipIgnored()
            try expect(":")
            skipIgnored()
            let type = try typeReference()
            skipIgnored()
            var defaultValue: GraphQLValue?
            if peek == "=" {
                advance()
                skipIgnored()
                defaultValue = try value(constant: true)
            }
            definitions.append(GraphQLVariableDefinition(name: variable, type: type, defaultValue: defaultValue))
        }
        if definitions.isEmpty { throw error("Syntax Error: Expected $, found \")\".") }
        return definitions
    }

    mutating func typeReference() throws(GraphQLSyntaxError) -> String {
        var type: String
        if peek == "[" {
            advance()
            skipIgnored()
            let inner = try typeReference()
            skipIgnored()
            try expect("]")
            type = "[\(inner)]"
        } else {
            guard let named = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
            type = named
        }
        skipIgnored()
        if peek == "!" {
            advance()
            type += "!"
        }
        return type
    }

    mutating func selectionSet() throws(GraphQLSyntaxError) -> [GraphQLField] {
        try expect("{")
        var fields: [GraphQLField] = []
        while true {
            skipIgnored()
            if peek == "}" {
                advance()
                break
            }
            if peek == "." { throw error("Fragments are not supported") }
            fields.append(try field())
        }
        if fields.isEmpty { throw error("Syntax Error: Expected Name, found \"}\".") }
        return fields
    }

    mutating func field() throws(GraphQLSyntaxError) -> GraphQLField {
        let (startLine, startColumn) = (line, column)
        guard var fieldName = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
        var alias: String?
        skipIgnored()
        if peek == ":" {
            advance()
            skipIgnored()
            guard let real = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
            alias = fieldName
            fieldName = real
            skipIgnored()
        }
        var arguments: [String: GraphQLValue] = [:]
        if peek == "(" {
            advance()
            while true {
                skipIgnored()
                if peek == ")" {
                    advance()
                    break
                }
                guard let argument = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
                if arguments[argument] != nil { throw error("There can be only one argument named \"\(argument)\".") }
                skipIgnored()
                try expect(":")
                skipIgnored()
                arguments[argument] = try value(constant: false)
            }
            if arguments.isEmpty { throw error("Syntax Error: Expected Name, found \")\".") }
            skipIgnored()
        }
        if peek == "@" { throw error("Directives are not supported") }
        var selections: [GraphQLField] = []
        if peek == "{" { selections = try selectionSet() }
        return GraphQLField(
            alias: alias, name: fieldName, arguments: arguments, selections: selections, line: startLine, column: startColumn)
    }

    mutating func value(constant: Bool) throws(GraphQLSyntaxError) -> GraphQLValue {
        guard let scalar = peek else { throw error("Syntax Error: Unexpected <EOF>.") }
        switch scalar {
        case "$":
            if constant { throw error("Syntax Error: Unexpected variable in a constant value.") }
            advance()
            guard let variable = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
            return .variable(variable)
        case "\"": return .string(try string())
        case "-", "0"..."9": return try number()
        case "[":
            advance()
            var items: [GraphQLValue] = []
            while true {
                skipIgnored()
                if peek == "]" {
                    advance()
                    return .list(items)
                }
                items.append(try value(constant: constant))
            }
        case "{":
            advance()
            var fields: [String: GraphQLValue] = [:]
            while true {
                skipIgnored()
                if peek == "}" {
                    advance()
                    return .object(fields)
                }
                guard let key = name() else { throw error("Syntax Error: Expected Name, found \(describePeek).") }
                skipIgnored()
                try expect(":")
                skipIgnored()
                fields[key] = try value(constant: constant)
            }
        default:
            guard let word = name() else { throw error("Syntax Error: Unexpected \(describePeek).") }
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: return .enumValue(word)
            }
        }
    }

    mutating func number() throws(GraphQLSyntaxError) -> GraphQLValue {
        var text = ""
        var isFloat = false
        if peek == "-" {
            text.append("-")
            advance()
        }
        func digits(_ parser: inout Parser, into text: inout String) -> Int {
            var count = 0
            while let scalar = parser.peek, ("0"..."9").contains(scalar) {
                text.unicodeScalars.append(scalar)
                parser.advance()
                count += 1
            }
            return count
        }
        guard digits(&self, into: &text) > 0 else { throw error("Syntax Error: Invalid number, expected digit.") }
        if peek == "." {
            isFloat = true
            text.append(".")
            advance()
            guard digits(&self, into: &text) > 0 else { throw error("Syntax Error: Invalid number, expected digit.") }
        }
        if peek == "e" || peek == "E" {
            isFloat = true
            text.append("e")
            advance()
            if peek == "+" || peek == "-" {
                text.unicodeScalars.append(peek!)
                advance()
            }
            guard digits(&self, into: &text) > 0 else { throw error("Syntax Error: Invalid number, expected digit.") }
        }
        if let scalar = peek, scalar == "_" || scalar.properties.isAlphabetic || scalar == "." {
            throw error("Syntax Error: Invalid number, unexpected \(describePeek).")
        }
        if !isFloat, let integer = Int(text) { return .int(integer) }
        guard let double = Double(text) else { throw error("Syntax Error: Invalid number \(text).") }
        return .float(double)
    }

    mutating func string() throws(GraphQLSyntaxError) -> String {
        if lookingAt("\"\"\"") { return try blockString() }
        advance()
        var text = ""
        while true {
            guard let scalar = peek, scalar != "\n", scalar != "\r" else { throw error("Syntax Error: Unterminated string.") }
            advance()
            if scalar == "\"" { return text }
            guard scalar == "\\" else {
                text.unicodeScalars.append(scalar)
                continue
            }
            guard let escaped = peek else { throw error("Syntax Error: Unterminated string.") }
            advance()
            switch escaped {
            case "\"": text.append("\"")
            case "\\": text.append("\\")
            case "/": text.append("/")
            case "b": text.append("\u{8}")
            case "f": text.append("\u{C}")
            case "n": text.append("\n")
            case "r": text.append("\r")
            case "t": text.append("\t")
            case "u":
                var hex = ""
                for _ in 0..<4 {
                    guard let digit = peek, digit.properties.isASCIIHexDigit else {
                        throw error("Syntax Error: Invalid Unicode escape sequence.")
                    }
                    hex.unicodeScalars.append(digit)
                    advance()
                }
                guard let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else {
                    throw error("Syntax Error: Invalid Unicode escape sequence.")
                }
                text.unicodeScalars.append(decoded)
            default: throw error("Syntax Error: Invalid character escape sequence: \\\(escaped).")
            }
        }
    }

    /// `"""…"""`, raw apart from `\"""`; the common indentation is not removed (the fake needs no more).
    mutating func blockString() throws(GraphQLSyntaxError) -> String {
        for _ in 0..<3 { advance() }
        var text = ""
        while index < scalars.count {
            if lookingAt("\"\"\"") {
                for _ in 0..<3 { advance() }
                return text
            }
            if lookingAt("\\\"\"\"") {
                for _ in 0..<4 { advance() }
                text += "\"\"\""
                continue
            }
            text.unicodeScalars.append(scalars[index])
            advance()
        }
        throw error("Syntax Error: Unterminated string.")
    }

    // MARK: Lexical helpers.

    var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    var describePeek: String {
        guard let scalar = peek else { return "<EOF>" }
        return "\"\(scalar)\""
    }

    mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    func lookingAt(_ text: String) -> Bool {
        var position = index
        for scalar in text.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    func lookingAtWord(_ word: String) -> Bool {
        guard lookingAt(word) else { return false }
        let after = index + word.unicodeScalars.count
        return after >= scalars.count || !Self.isNameContinue(scalars[after])
    }

    /// Whitespace, commas, line terminators, the byte-order mark and `#` comments.
    mutating func skipIgnored() {
        while let scalar = peek {
            switch scalar {
            case " ", "\t", "\n", "\r", ",", "\u{FEFF}": advance()
            case "#":
                while let next = peek, next != "\n", next != "\r" { advance() }
            default: return
            }
        }
    }

    mutating func name() -> String? {
        guard let first = peek, Self.isNameStart(first) else { return nil }
        var text = ""
        while let scalar = peek, Self.isNameContinue(scalar) {
            text.unicodeScalars.append(scalar)
            advance()
        }
        return text
    }

    mutating func expect(_ scalar: Unicode.Scalar) throws(GraphQLSyntaxError) {
        guard peek == scalar else { throw error("Syntax Error: Expected \"\(scalar)\", found \(describePeek).") }
        advance()
    }

    func error(_ message: String) -> GraphQLSyntaxError { GraphQLSyntaxError(message: message, line: line, column: column) }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isNameContinue(_ scalar: Unicode.Scalar) -> Bool { isNameStart(scalar) || ("0"..."9").contains(scalar) }
}
