import Testing

@testable import Pipeline

@Suite("JSONParser")
struct JSONParserTests {
    private func syntaxError(_ text: String) -> JSONParser.SyntaxError? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Values

    @Test("parses every kind of value, nested")
    func parsesEveryKind() throws {
        let value = try JSONParser.parse(
            #"{"n": null, "t": true, "f": false, "i": 42, "s": "hi", "a": [1, "two", [], {}], "o": {"k": "v"}}"#)
        let expected: JSON = [
            "n": nil, "t": true, "f": false, "i": 42, "s": "hi", "a": [1, "two", [], [:]], "o": ["k": "v"],
        ]
        #expect(value == expected)
    }

    @Test(
        "accepts a bare scalar at the top level and whitespace around it",
        arguments: [
            (" \n\t\r42\n ", JSON.number(42)), ("\"x\"", .string("x")), ("null", .null), ("true", .bool(true)),
            ("[ ]", .array([])), ("{ }", .object(JSONObject())),
        ])
    func topLevelScalars(text: String, expected: JSON) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("keeps object keys in document order, duplicates included")
    func keyOrder() throws {
        let value = try JSONParser.parse(#"{"zeta": 1, "alpha": 2, "mid": 3, "alpha": 4}"#)
        #expect(value.object?.keys == ["zeta", "alpha", "mid", "alpha"])
        #expect(value["alpha"] == 2, "lookup finds the first of duplicate keys")
    }

    // MARK: Numbers

    @Test(
        "parses numbers: integers, negatives, fractions, exponents",
        arguments: [
            ("0", 0.0), ("-0", 0.0), ("7", 7), ("-12", -12), ("3.25", 3.25), ("-0.5", -0.5), ("1e3", 1000),
            ("1E+2", 100), ("25e-1", 2.5), ("-1.5e2", -150), ("123456789012345", 123_456_789_012_345),
            ("12345678901234567", 12_345_678_901_234_568), ("9007199254740993", 9_007_199_254_740_992),
            ("1.7976931348623157e308", 1.7976931348623157e308),
        ])
    func numbers(text: String, expected: Double) throws {
        #expect(try JSONParser.parse(text) == .number(expected))
    }

    @Test("rejects malformed numbers", arguments: ["-", "1.", ".5", "1e", "1e+", "-x", "+1", "01"])
    func malformedNumbers(text: String) {
        #expect(syntaxError(text) != nil, "\(text) should not parse")
    }

    // MARK: Strings

    @Test("decodes every simple escape")
    func simpleEscapes() throws {
        let value = try JSONParser.parse(#""q\" b\\ s\/ \b \f \n \r \t""#)
        #expect(value == .string("q\" b\\ s/ \u{8} \u{C} \n \r \t"))
    }

    @Test("decodes \\u escapes, including a surrogate pair, and raw UTF-8")
    func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
        #expect(try JSONParser.parse("\"héllo 😀\"") == .string("héllo 😀"))
    }

    @Test("replaces unpaired surrogates with U+FFFD and keeps the character after them")
    func unpairedSurrogates() throws {
        #expect(try JSONParser.parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse(#""\ude00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONParser.parse(#""\ud83d\ud83d\ude00""#) == .string("\u{FFFD}😀"))
    }

    @Test("rejects bad escapes", arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""abc\"#])
    func badEscapes(text: String) {
        #expect(syntaxError(text) != nil, "\(text) should not parse")
    }

    // MARK: Errors

    @Test("reports truncated input with its position")
    func truncated() throws {
        let error = try #require(syntaxError("{\"a\": [1, 2"))
        #expect(error.reason == "unexpected end of input in an array")
        #expect((error.line, error.column, error.offset) == (1, 12, 11))
        #expect(error.description == "invalid JSON at line 1, column 12: unexpected end of input in an array")

        #expect(syntaxError("")?.reason == "unexpected end of input")
        #expect(syntaxError("{\"a\":")?.reason == "unexpected end of input")
        #expect(syntaxError("\"abc")?.reason == "unterminated string")
        #expect(syntaxError("{\"a\": 1")?.reason == "unexpected end of input in an object")
    }

    @Test("counts lines and columns up to the fault")
    func lineAndColumn() throws {
        let error = try #require(syntaxError("{\n  \"name\": \"x\"\n  \"stages\": {}\n}"))
        #expect(error.reason == "expected ',' or '}'")
        #expect(error.line == 3)
        #expect(error.column == 3)
    }

    @Test("counts columns in characters, not UTF-8 bytes")
    func columnsInCharacters() throws {
        let error = try #require(syntaxError("[\"é😀\", x]"))
        #expect(error.line == 1)
        #expect(error.column == 8, "x is the 8th character: [ \" é 😀 \" , space x")
    }

    @Test("rejects trailing text after the value")
    func trailingGarbage() throws {
        let error = try #require(syntaxError("{\"a\": 1}\n  x"))
        #expect(error.reason == "unexpected text after the value")
        #expect((error.line, error.column) == (2, 3))
        #expect(syntaxError("[1] [2]")?.reason == "unexpected text after the value")
    }

    @Test("rejects raw control characters in strings")
    func controlCharacters() throws {
        let error = try #require(syntaxError("\"a\u{1}b\""))
        #expect(error.reason == "control character in a string")
        #expect(error.column == 3)
        #expect(syntaxError("\"a\\n\nb\"")?.reason == "control character in a string", "slow path after an escape")
        #expect(syntaxError("\"tab\there\"")?.reason == "control character in a string")
    }

    @Test(
        "rejects misspelt and truncated literals",
        arguments: [
            ("nul", "unexpected end of input"), ("tru", "unexpected end of input"), ("nulx", "invalid literal"),
            ("trve", "invalid literal"), ("falsy", "invalid literal"), ("True", "unexpected character 'T'"),
            ("undefined", "unexpected character 'u'"),
        ])
    func badLiterals(text: String, reason: String) {
        #expect(syntaxError(text)?.reason == reason)
    }

    @Test(
        "rejects structural mistakes",
        arguments: [
            ("{1: 2}", "expected a string key"), ("{\"a\" 1}", "expected ':'"), ("[1 2]", "expected ',' or ']'"),
            ("[1,]", "unexpected character ']'"), ("{\"a\": 1,}", "expected a string key"),
            ("{,}", "expected a string key"),
        ])
    func structuralErrors(text: String, reason: String) {
        #expect(syntaxError(text)?.reason == reason)
    }

    @Test("limits nesting to 512 levels")
    func deepNesting() throws {
        let ok = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let error = try #require(syntaxError(String(repeating: "[", count: 10_000)))
        #expect(error.reason == "nesting deeper than 512")
        #expect(error.offset == 513)
    }
}
