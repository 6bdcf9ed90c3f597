import FakeGitHub
import Testing

@testable import Pipeline

@Suite("JSONSelectionFilter")
struct JSONSelectionFilterTests {
    /// The filter's output for `text` fed in pieces of the given sizes (cycled), or its error.
    private func filter(
        _ text: [UInt8], keeping selection: FieldSelection, pieces: [Int] = [Int.max]
    ) -> Result<[UInt8], JSONParser.SyntaxError> {
        var filter = JSONSelectionFilter(keeping: selection)
        var start = 0
        var piece = 0
        while start < text.count {
            let end = min(text.count, start + max(1, min(pieces[piece % pieces.count], text.count)))
            text[start..<end].withUnsafeBytes { filter.consume($0) }
            start = end
            piece += 1
        }
        return Result { () throws(JSONParser.SyntaxError) in try filter.finish() }
    }

    private func filtered(_ text: String, keeping selection: FieldSelection, pieces: [Int] = [Int.max]) throws -> String {
        String(decoding: try filter(Array(text.utf8), keeping: selection, pieces: pieces).get(), as: UTF8.self)
    }

    private static let runSelection = FieldSelection.keys([
        "total_count": .all,
        "workflow_runs": .keys(["id": .all, "conclusion": .all, "head_commit": .keys(["message": .all])]),
    ])

    private static let runsPage = #"""
        {
          "total_count": 2,
          "workflow_runs": [
            {"id": 30433642, "name": "Build", "conclusion": null, "head_commit": {"id": "acb5", "message": "Fix \"all\" the things\n"},
             "repository": {"id": 1296269, "full_name": "octocat/Hello-World", "owner": {"login": "octocat"}}, "run_attempt": 1},
            {"id": 30433643, "name": "Test \u00e9", "conclusion": "success", "head_commit": null, "pull_requests": [1, 2.5e3, -0.5]}
          ]
        }
        """#

    @Test("keeps only the selected fields, minified, in document order")
    func keepsSelectedFields() throws {
        let output = try filtered(Self.runsPage, keeping: Self.runSelection)
        #expect(
            output
                == #"{"total_count":2,"workflow_runs":[{"id":30433642,"conclusion":null,"head_commit":{"message":"Fix \"all\" the things\n"}},"#
                + #"{"id":30433643,"conclusion":"success","head_commit":null}]}"#)
    }

    @Test("gives what the parser keeps, whatever the sizes of the pieces the text arrives in")
    func matchesTheParserForAnyPieces() throws {
        let expected = try JSONParser.parse(Array(Self.runsPage.utf8), keeping: Self.runSelection)
        for pieces in [[1], [2], [3], [7], [8], [9], [64], [1, 13, 2, 100]] {
            let output = try filtered(Self.runsPage, keeping: Self.runSelection, pieces: pieces)
            #expect(try JSONParser.parse(output) == expected, "pieces \(pieces)")
        }
    }

    @Test("keeps everything of a value selected whole, and scalars where a selection expects an object")
    func keepsWholeValuesAndScalars() throws {
        #expect(
            try filtered(#" [ {"a": [1, {"b": "c"}], "d": 1}, 7, "s", null ] "#, keeping: .keys(["a": .all]))
                == #"[{"a":[1,{"b":"c"}]},7,"s",null]"#)
        #expect(try filtered(" 42 ", keeping: .none) == "42")
        #expect(try filtered(#"{"a": 1}"#, keeping: .none) == "{}")
        #expect(try filtered(#"{"a": {}, "b": []}"#, keeping: .all) == #"{"a":{},"b":[]}"#)
    }

    @Test("matches a key written with escapes by its decoded name, and writes it as it was written")
    func escapedKeys() throws {
        #expect(try filtered(#"{"na\u006De": 1, "other": 2}"#, keeping: .keys(["name": .all])) == #"{"na\u006De":1}"#)
    }

    @Test("keeps duplicate keys, as the parser sees them")
    func duplicateKeys() throws {
        let text = #"{"a": 1, "b": 2, "a": 3}"#
        let output = try filtered(text, keeping: .keys(["a": .all]))
        #expect(output == #"{"a":1,"a":3}"#)
        #expect(try JSONParser.parse(output) == JSONParser.parse(Array(text.utf8), keeping: .keys(["a": .all])))
    }

    @Test("matches the parser on generated documents, selections and pieces")
    func matchesTheParserOnGeneratedDocuments() throws {
        var random = SeededGenerator(seed: 17)
        for round in 0..<300 {
            let document = Self.document(depth: 0, &random)
            let text = Array(document.jsonText.utf8)
            let spaced = Self.spaced(text, &random)
            let selection = Self.selection(for: document, &random)
            let expected = try JSONParser.parse(spaced, keeping: selection)
            let pieces = (0..<3).map { _ in Int(random.next() % 40) + 1 }
            let output = try filter(spaced, keeping: selection, pieces: pieces).get()
            #expect(try JSONParser.parse(output) == expected, "round \(round)")
            #expect(output.count <= text.count, "round \(round)")
        }
    }

    @Test(
        "reports the first syntax error with its line, like the parser, in what it keeps",
        arguments: [
            ("[1, 2", "unexpected end of input", 1),
            ("{\"a\": 1,\n \"b\" 2}", "expected ':'", 2),
            ("{\"a\": 1 \"b\": 2}", "expected ',' or '}'", 1),
            ("[1 2]", "expected ',' or ']'", 1),
            ("{\"a\": [tru]}", "invalid literal", 1),
            ("{\"a\": \"a\\x\"}", "invalid escape in a string", 1),
            ("{\"a\": \"\\u12G4\"}", "invalid \\u escape", 1),
            ("{\"a\": \"a\nb\"}", "control character in a string", 1),
            ("{\"skip\": 1}\n\n x", "unexpected text after the value", 3),
            ("{1: 2}", "expected a string key", 1),
            ("[1,]", "unexpected character ']'", 1),
            ("", "unexpected end of input", 1),
        ])
    func reportsSyntaxErrors(text: String, reason: String, line: Int) throws {
        let bytes = Array(text.utf8)
        for pieces in [[Int.max], [1]] {
            guard case .failure(let error) = filter(bytes, keeping: .keys(["a": .all, "b": .all]), pieces: pieces) else {
                Issue.record("no error for \(text)")
                continue
            }
            #expect(error.reason == reason)
            #expect(error.line == line)
        }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(bytes) }
    }

    @Test("follows a dropped value only for its extent: where its strings end, brackets outside them")
    func droppedValuesAreFollowedForTheirExtent() throws {
        #expect(try filtered(#"{"skip": [tru, {"x" 1}, "]"], "a": 1}"#, keeping: .keys(["a": .all])) == #"{"a":1}"#)
        // Escaped quotes and backslashes, in every split of the text: only the last quote ends the string.
        let text = #"{"skip": "a \" b \\\" c \\", "a": 1}"#
        for size in 1...8 {
            #expect(try filtered(text, keeping: .keys(["a": .all]), pieces: [size]) == #"{"a":1}"#, "pieces of \(size)")
        }
        guard case .failure(let error) = filter(Array(#"{"skip": [1, "a": 1}"#.utf8), keeping: .keys(["a": .all])) else {
            Issue.record("accepted an unbalanced dropped value")
            return
        }
        #expect(error.reason == "unexpected end of input")
    }

    @Test("refuses nesting deeper than the parser accepts")
    func nestingBound() throws {
        let deep = Array(String(repeating: "[", count: 600).utf8)
        guard case .failure(let error) = filter(deep, keeping: .all) else {
            Issue.record("accepted 600 levels")
            return
        }
        #expect(error.reason.hasPrefix("nesting deeper than"))
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try filtered(fine, keeping: .none) == fine)
    }

    // MARK: Generated documents

    private static let keys = ["id", "name", "na\"me", "é", "a", "b", "nested", "list", ""]

    private static func document(depth: Int, _ random: inout SeededGenerator) -> JSON {
        let pick = depth > 3 ? random.next() % 5 : random.next() % 7
        switch pick {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2: return .number([0, -1, 42, 3.25, -1e-7, 123_456_789_012][Int(random.next() % 6)])
        case 3:
            return .string(
                ["", "plain", "quote \" and \\ backslash", "line\nbreak", "\u{1F600} é", "\u{01}"][Int(random.next() % 6)])
        case 4: return .string(String(repeating: "x", count: Int(random.next() % 30)))
        case 5: return .array((0..<Int(random.next() % 4)).map { _ in document(depth: depth + 1, &random) })
        default:
            let count = Int(random.next() % 5)
            return .object(
                JSONObject(
                    (0..<count).map { _ in (keys[Int(random.next() % UInt64(keys.count))], document(depth: depth + 1, &random)) })
            )
        }
    }

    /// A selection over the document's own keys (and some it lacks), `.all` here and there.
    private static func selection(for value: JSON, _ random: inout SeededGenerator) -> FieldSelection {
        if random.next() % 6 == 0 { return .all }
        var keys: [String: FieldSelection] = [:]
        switch value {
        case .object(let object):
            for pair in object.pairs where random.next() % 3 != 0 { keys[pair.key] = selection(for: pair.value, &random) }
        case .array(let elements):
            return elements.first.map { selection(for: $0, &random) } ?? .none
        default: break
        }
        if random.next() % 4 == 0 { keys["missing"] = .all }
        return .keys(keys)
    }

    /// The text with whitespace added between tokens (outside strings).
    private static func spaced(_ text: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var result: [UInt8] = []
        var inString = false
        var escaped = false
        for byte in text {
            result.append(byte)
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
            } else if "{}[],:".utf8.contains(byte), random.next() % 3 == 0 {
                result.append(contentsOf: [[0x20], [0x0A, 0x20, 0x20], [0x09], [0x0D, 0x0A]][Int(random.next() % 4)])
            }
        }
        return result
    }
}
