import Testing

@testable import Pipeline

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("writes every kind of value compactly, keys in order")
    func everyKind() {
        let value: JSON = ["z": nil, "b": [true, false], "a": ["s": "x", "n": 1.5], "e": [], "o": [:]]
        #expect(value.jsonText == #"{"z":null,"b":[true,false],"a":{"s":"x","n":1.5},"e":[],"o":{}}"#)
    }

    @Test(
        "prints integers without a fraction",
        arguments: [
            (3.0, "3"), (-42.0, "-42"), (0.0, "0"), (-0.0, "0"), (1_700_000_000, "1700000000"),
            (999_999_999_999_999, "999999999999999"),
        ])
    func integers(value: Double, text: String) {
        #expect(JSON.number(value).jsonText == text)
    }

    @Test(
        "prints fractions and large numbers so that they parse back to the same value",
        arguments: [
            0.1, -2.5, 1e-7, 123.456, 1e15, 1.5e300, -9.87654321e-5, 2.0 / 3.0,
        ])
    func fractions(value: Double) throws {
        let text = JSON.number(value).jsonText
        #expect(!text.hasSuffix(".0"))
        #expect(try JSONParser.parse(text) == .number(value))
    }

    @Test("prints non-finite numbers as null", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) {
        #expect(JSON.number(value).jsonText == "null")
    }

    @Test("escapes quotes, backslashes and control characters; keeps other characters as they are")
    func escapes() {
        let text = JSON.string("a\"b\\c\nd\re\tf\u{0}g\u{1F}h/é😀\u{7F}").jsonText
        #expect(text == #""a\"b\\c\nd\re\tf\u0000g\u001fh/é😀"# + "\u{7F}\"")
    }

    @Test("round-trips a document through text unchanged")
    func roundTrip() throws {
        let original: JSON = [
            "name": "pipeline \"quoted\"", "unicode": "naïve 😀 \u{1}",
            "numbers": [0, -1, 2.5, 1e-9, 1e20, 123_456_789],
            "nested": ["deeper": ["deepest": [nil, true, false, [:], []]]], "order": ["b": 1, "a": 2],
        ]
        let text = original.jsonText
        let parsed = try JSONParser.parse(text)
        #expect(parsed == original)
        #expect(parsed.jsonText == text)
        #expect(parsed["order"]?.object?.keys == ["b", "a"])
    }

    @Test("re-serialises parsed text in its original key order")
    func keyOrderPreserved() throws {
        let text = #"{"zebra":1,"apple":{"y":true,"x":null},"mango":[3,2,1]}"#
        #expect(try JSONParser.parse(text).jsonText == text)
    }

    @Test("JSONObject subscript replaces in place, appends new keys and removes with nil")
    func objectSubscript() {
        var object = JSONObject([("a", 1), ("b", 2)])
        object["a"] = 10
        object["c"] = 3
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(JSON.object(object).jsonText == #"{"a":10,"c":3}"#)
    }

    @Test("objects with the same pairs in a different order are different values")
    func orderMattersForEquality() {
        #expect(JSON(dictionaryLiteral: ("a", 1), ("b", 2)) != JSON(dictionaryLiteral: ("b", 2), ("a", 1)))
    }
}
