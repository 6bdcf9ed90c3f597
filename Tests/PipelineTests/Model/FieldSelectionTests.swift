import Testing

@testable import Pipeline

@Suite("FieldSelection")
struct FieldSelectionTests {
    private static func paths(_ texts: String...) -> [FieldPath] { texts.compactMap(FieldPath.init) }

    static let document: JSON = [
        "id": 1,
        "author": nil,
        "commit": ["author": ["email": "dev@example.com", "name": "Dev"], "message": "Fix", "tree": ["sha": "t"]],
        "files": [["filename": "a.swift", "patch": "…"], ["filename": "b.swift", "patch": "…"]],
        "labels": [["name": "bug", "color": "red"]],
        "stats": ["additions": 1, "deletions": 2],
        "big": ["nested": [["deep": [1, 2, ["x": "y"]]]], "text": "q\"uote \\ \u{1F600} \\u0041"],
    ]

    @Test("paths become nested key selections; every alternative is kept")
    func fromPaths() {
        let selection = FieldSelection(Self.paths("commit.author.email", "author.login|commit.message", "id"))
        #expect(
            selection
                == .keys([
                    "commit": .keys(["author": .keys(["email": .all]), "message": .all]),
                    "author": .keys(["login": .all]),
                    "id": .all,
                ]))
    }

    @Test("a numeric segment keeps the whole array; no paths keep nothing")
    func numericAndEmpty() {
        #expect(FieldSelection(Self.paths("labels.0.name")) == .keys(["labels": .all]))
        #expect(FieldSelection([]) == .none)
        #expect(FieldSelection.none == .keys([:]))
    }

    @Test("union merges keys and anything with all is all")
    func union() {
        let a = FieldSelection(Self.paths("commit.author.email"))
        let b = FieldSelection(Self.paths("commit.message", "stats"))
        #expect(a.union(b) == FieldSelection(Self.paths("commit.author.email", "commit.message", "stats")))
        #expect(a.union(.all) == .all)
        #expect(FieldSelection.all.union(a) == .all)
        #expect(
            FieldSelection(Self.paths("commit")).union(a) == .keys(["commit": .all]), "a whole value covers its parts")
    }

    @Test("child gives what to keep under a key, nil to skip it")
    func child() {
        let selection = FieldSelection(Self.paths("commit.message"))
        #expect(selection.child("commit") == .keys(["message": .all]))
        #expect(selection.child("files") == nil)
        #expect(FieldSelection.all.child("anything") == .all)
    }

    @Test("nested(under:) wraps a selection for records inside a wrapper object")
    func nested() {
        let selection = FieldSelection(Self.paths("status"))
        #expect(selection.nested(under: "workflow_runs") == .keys(["workflow_runs": .keys(["status": .all])]))
    }

    @Test("apply keeps selected keys in document order, through arrays, and leaves scalars alone")
    func apply() {
        let selection = FieldSelection(Self.paths("files.filename", "id", "author.login|commit.author.email"))
        let applied = selection.apply(to: Self.document)
        #expect(
            applied
                == [
                    "id": 1, "author": nil, "commit": ["author": ["email": "dev@example.com"]],
                    "files": [["filename": "a.swift"], ["filename": "b.swift"]],
                ])
        #expect(FieldSelection.all.apply(to: Self.document) == Self.document)
        #expect(selection.apply(to: "text") == "text")
    }

    @Test("what a selection keeps gives the same values for its paths as the whole record")
    func keepsWhatPathsRead() {
        let texts = [
            "files.filename", "author.login|commit.author.email", "labels.0.name", "stats.additions", "nope.x",
        ]
        let paths = Self.paths(texts[0], texts[1], texts[2], texts[3], texts[4])
        let applied = FieldSelection(paths).apply(to: Self.document)
        for path in paths {
            #expect(path.values(in: applied) == path.values(in: Self.document), "\(path)")
        }
    }

    @Test(
        "parsing with a selection builds the same value as parsing everything then applying it",
        arguments: [
            ["id"], ["files.filename"], ["commit.author.email", "stats"], ["labels.0.name"], ["big.nested.deep"],
            ["big"],
            ["author.login|commit.author.name"], [],
        ])
    func parseKeeping(texts: [String]) throws {
        let selection = FieldSelection(texts.compactMap(FieldPath.init))
        let bytes = Array(Self.document.jsonText.utf8)
        let parsed = try JSONParser.parse(bytes, keeping: selection)
        #expect(parsed == selection.apply(to: try JSONParser.parse(bytes)))
    }

    @Test("parsing with a selection applies it to each element of a top-level array")
    func parseArrayKeeping() throws {
        let parsed = try JSONParser.parse(
            Array(#"[{"a": 1, "b": 2}, {"b": 3, "a": 4}]"#.utf8), keeping: .keys(["a": .all]))
        #expect(parsed == [["a": 1], ["a": 4]])
    }

    @Test(
        "values that are skipped are still checked for syntax",
        arguments: [
            (#"{"keep": 1, "skip": [1, 2,]}"#, "unexpected character ']'"),
            (#"{"keep": 1, "skip": {"a" 1}}"#, "expected ':'"),
            (#"{"keep": 1, "skip": "bad \q escape"}"#, "invalid escape in a string"),
            (#"{"keep": 1, "skip": "\u12x4"}"#, #"invalid \u escape"#),
            (#"{"keep": 1, "skip": tru}"#, "invalid literal"),
            (#"{"keep": 1, "skip": 01}"#, "expected ',' or '}'"),
            (#"{"keep": 1, "skip": "unterminated}"#, "unterminated string"),
            ("{\"keep\": 1, \"skip\": \"raw\u{1}control\"}", "control character in a string"),
            (#"{"keep": 1, "skip": {"a": 1}"#, "unexpected end of input in an object"),
        ])
    func skippedValuesChecked(text: String, reason: String) {
        do {
            _ = try JSONParser.parse(Array(text.utf8), keeping: .keys(["keep": .all]))
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test("skipped values count towards the nesting limit")
    func skippedNesting() throws {
        let deep =
            "{\"keep\": 1, \"skip\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        do {
            _ = try JSONParser.parse(Array(deep.utf8), keeping: .keys(["keep": .all]))
            Issue.record("nesting of 600 parsed")
        } catch {
            #expect(error.reason == "nesting deeper than 512")
        }
    }

    @Test("escaped quotes and backslashes inside skipped strings do not end them early")
    func skippedEscapes() throws {
        let text = #"{"skip": "a \" b \\", "keep": "x", "skip2": ["\"]", "\\"]}"#
        #expect(try JSONParser.parse(Array(text.utf8), keeping: .keys(["keep": .all])) == ["keep": "x"])
    }

    @Test("a skipped string ends at its quote, and a control character in it is refused, at any offset of a long string")
    func skippedLongStrings() throws {
        // Skipping reads eight bytes at a time: each special byte is placed at every offset of a
        // 24-byte run, among multi-byte UTF-8 characters.
        for offset in 0..<24 {
            let before = String(repeating: "é", count: offset / 2) + String(repeating: "a", count: offset % 2)
            let after = String(repeating: "b", count: 24 - offset)
            let escaped = #"{"skip": "\#(before)\"q\\\#(after)", "keep": "x"}"#
            #expect(try JSONParser.parse(Array(escaped.utf8), keeping: .keys(["keep": .all])) == ["keep": "x"], "\(offset)")
            let ended = #"{"skip": "\#(before)", "keep": "\#(after)"}"#
            #expect(try JSONParser.parse(Array(ended.utf8), keeping: .keys(["keep": .all])) == ["keep": .string(after)])
            let control = "{\"keep\": 1, \"skip\": \"\(before)\u{1F}\(after)\"}"
            do {
                _ = try JSONParser.parse(Array(control.utf8), keeping: .keys(["keep": .all]))
                Issue.record("a control character at \(offset) was accepted")
            } catch {
                #expect(error.reason == "control character in a string")
            }
        }
    }
}
