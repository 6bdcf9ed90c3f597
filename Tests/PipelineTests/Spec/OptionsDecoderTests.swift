import Testing

@testable import Pipeline

@Suite("OptionsDecoder")
struct OptionsDecoderTests {
    struct Filter: Decodable, Equatable {
        var field: String
        var equals: JSON?
    }

    struct Rule: Decodable, Equatable {
        var name: String
        var weight: Double?
    }

    enum Mode: String, Decodable { case fast, slow }

    struct Options: Decodable {
        var perPage: Int
        var labels: [String]?
        var filter: Filter?
        var rules: [Rule]?
        var mode: Mode?
        var window: TimeSpan?
        var field: FieldPath?
        var enabled: Bool?
        var extra: JSON?

        enum CodingKeys: String, CodingKey {
            case perPage = "per_page"
            case labels, filter, rules, mode, window, field, enabled, extra
        }
    }

    private func decodeFailure(_ value: JSON, path: [String] = []) -> OptionsDecoder.Failure? {
        do {
            _ = try OptionsDecoder.decode(Options.self, from: value, path: path)
            return nil
        } catch let failure as OptionsDecoder.Failure {
            return failure
        } catch {
            Issue.record("expected OptionsDecoder.Failure, got \(type(of: error)): \(error)")
            return nil
        }
    }

    @Test("decodes every supported option type")
    func decodesEverything() throws {
        let options = try OptionsDecoder.decode(
            Options.self,
            from: [
                "per_page": 100, "labels": ["bug", "ci"], "filter": ["field": "state", "equals": "open"],
                "rules": [["name": "a", "weight": 0.5], ["name": "b"]], "mode": "slow", "window": "7d",
                "field": "author.login|commit.author.email", "enabled": false, "extra": ["any": [1, nil]],
            ])
        #expect(options.perPage == 100)
        #expect(options.labels == ["bug", "ci"])
        #expect(options.filter == Filter(field: "state", equals: "open"))
        #expect(options.rules == [Rule(name: "a", weight: 0.5), Rule(name: "b", weight: nil)])
        #expect(options.mode == .slow)
        #expect(options.window?.seconds == 604_800)
        #expect(options.field?.alternatives == [["author", "login"], ["commit", "author", "email"]])
        #expect(options.enabled == false)
        #expect(options.extra == ["any": [1, nil]])
    }

    @Test("optional options may be absent or null")
    func optionalsAbsentOrNull() throws {
        let options = try OptionsDecoder.decode(Options.self, from: ["per_page": 1, "labels": nil])
        #expect(options.labels == nil)
        #expect(options.filter == nil)
    }

    @Test("an unknown option is rejected with the closest known one and the full list")
    func unknownOption() throws {
        let failure = try #require(decodeFailure(["per_page": 1, "lables": ["x"]], path: ["stages", "prs"]))
        #expect(failure.path == ["stages", "prs", "lables"])
        #expect(
            failure.message
                == #"unknown option "lables" (did you mean "labels"?); known options: enabled, extra, field, filter, labels, mode, per_page, rules, window"#
        )
    }

    @Test("an unknown option with nothing close gets no suggestion")
    func unknownOptionNoSuggestion() throws {
        let failure = try #require(decodeFailure(["per_page": 1, "colour": "red"]))
        #expect(failure.path == ["colour"])
        #expect(failure.message.hasPrefix(#"unknown option "colour"; known options: "#))
    }

    @Test("unknown keys are found inside nested objects and array elements, at their path")
    func unknownNested() throws {
        let inFilter = try #require(decodeFailure(["per_page": 1, "filter": ["field": "x", "equal": 1]]))
        #expect(inFilter.path == ["filter", "equal"])
        #expect(inFilter.message.hasPrefix(#"unknown option "equal" (did you mean "equals"?)"#))

        let inRule = try #require(
            decodeFailure(["per_page": 1, "rules": [["name": "a"], ["name": "b", "wieght": 2]]]))
        #expect(inRule.path == ["rules", "[1]", "wieght"])
        #expect(inRule.message.contains(#"(did you mean "weight"?)"#))
    }

    @Test("a missing required option is named by its path")
    func missingRequired() throws {
        let top = try #require(decodeFailure([:], path: ["stages", "prs"]))
        #expect(top.path == ["stages", "prs", "per_page"])
        #expect(top.message == "missing required option")

        let nested = try #require(decodeFailure(["per_page": 1, "rules": [["weight": 1]]]))
        #expect(nested.path == ["rules", "[0]", "name"])
        #expect(nested.message == "missing required option")
    }

    static let wrongTypeCases: [(JSON, [String], String)] = [
        (["per_page": "ten"], ["per_page"], "expected a number, found a string"),
        (["per_page": 1, "labels": "bug"], ["labels"], "expected an array, found a string"),
        (["per_page": 1, "labels": ["a", 2]], ["labels", "[1]"], "expected a string, found a number"),
        (["per_page": 1, "filter": ["field": true]], ["filter", "field"], "expected a string, found a boolean"),
        (["per_page": 1, "filter": "x"], ["filter"], "expected an object, found a string"),
        (
            ["per_page": 1, "rules": [["name": "a"], ["name": "b", "weight": "heavy"]]], ["rules", "[1]", "weight"],
            "expected a number, found a string"
        ),
        (["per_page": 1, "enabled": "yes"], ["enabled"], "expected true or false, found a string"),
        (["per_page": 1, "rules": [[:], 3]], ["rules", "[0]", "name"], "missing required option"),
        (["per_page": 1, "rules": [["name": "a"], 3]], ["rules", "[1]"], "expected an object, found a number"),
    ]

    @Test("a value of the wrong type names what was expected and what was found", arguments: wrongTypeCases)
    func wrongType(value: JSON, path: [String], message: String) throws {
        let failure = try #require(decodeFailure(value, path: ["stages", "s"]))
        #expect(failure.path == ["stages", "s"] + path)
        #expect(failure.message == message)
    }

    @Test("null for a required option is rejected")
    func nullRequired() throws {
        let failure = try #require(decodeFailure(["per_page": nil]))
        #expect(failure.path == ["per_page"])
        #expect(failure.message == "must not be null")
    }

    @Test("a whole number option rejects a fraction")
    func intFromFraction() throws {
        let failure = try #require(decodeFailure(["per_page": 2.5]))
        #expect(failure.path == ["per_page"])
        #expect(failure.message == "expected a whole number, found 2.5")
        #expect(try OptionsDecoder.decode(Options.self, from: ["per_page": 3.0]).perPage == 3, "3.0 is whole")
    }

    @Test("a bad enum value, time span or field path is reported at its path")
    func badValues() throws {
        let mode = try #require(decodeFailure(["per_page": 1, "mode": "medium"]))
        #expect(mode.path == ["mode"])
        #expect(mode.message.contains("medium"))

        let window = try #require(decodeFailure(["per_page": 1, "window": "7 days"]))
        #expect(window.path == ["window"])
        #expect(window.message == #""7 days" is not a time span; write e.g. 7d, 12h, 30m, 90s"#)

        let field = try #require(decodeFailure(["per_page": 1, "field": "a..b"]))
        #expect(field.path == ["field"])
        #expect(field.message.hasPrefix(#""a..b" is not a field path"#))
    }

    @Test("options must be an object")
    func notAnObject() throws {
        let failure = try #require(decodeFailure([1, 2], path: ["stages", "s"]))
        #expect(failure.path == ["stages", "s"])
        #expect(failure.message == "expected an object, found an array")
    }

    @Test("optionNames lists the keys an options type reads, sorted, from its example")
    func optionNames() {
        #expect(
            OptionsDecoder.optionNames(of: Options.self, example: ["per_page": 1])
                == ["enabled", "extra", "field", "filter", "labels", "mode", "per_page", "rules", "window"])
        #expect(OptionsDecoder.optionNames(of: NoOptions.self, example: [:]) == [])
        #expect(OptionsDecoder.optionNames(of: Filter.self, example: ["field": "x"]) == ["equals", "field"])
    }

    @Test("NoOptions accepts an empty object and rejects any key")
    func noOptions() throws {
        _ = try OptionsDecoder.decode(NoOptions.self, from: [:])
        #expect(throws: OptionsDecoder.Failure.self) { try OptionsDecoder.decode(NoOptions.self, from: ["x": 1]) }
        do {
            _ = try OptionsDecoder.decode(NoOptions.self, from: ["x": 1])
        } catch let failure as OptionsDecoder.Failure {
            #expect(failure.path == ["x"])
            #expect(failure.message == #"unknown option "x"; this stage takes no options"#)
        }
    }
}

@Suite("OptionsDecoder: values from variables")
struct OptionsDecoderVariableValueTests {
    /// A plain synthesized `Decodable`, as the decoder must also read: its property is the key.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    struct Options: Decodable {
        var enabled: Bool
        var per_page: Int
        var ratio: Double
    }

    @Test("strings that spell a boolean or a number are read as one, as ${VARIABLES} always give strings")
    func stringsSpellingValues() throws {
        let options = try OptionsDecoder.decode(Options.self, from: ["enabled": "true", "per_page": "50", "ratio": "0.25"])
        #expect(options.enabled == true)
        #expect(options.per_page == 50)
        #expect(options.ratio == 0.25)
        #expect(throws: OptionsDecoder.Failure.self) {
            try OptionsDecoder.decode(Options.self, from: ["enabled": "yes", "per_page": 1, "ratio": 1])
        }
        #expect(throws: OptionsDecoder.Failure.self) {
            try OptionsDecoder.decode(Options.self, from: ["enabled": true, "per_page": "1.5", "ratio": 1])
        }
    }
}
