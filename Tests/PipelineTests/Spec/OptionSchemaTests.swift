import Testing

@testable import Pipeline

/// The probe behind `pipeline schema`: decoding an example records each option's Swift types,
/// their schema and whether it is required.
@Suite("OptionSchema")
struct OptionSchemaTests {
    struct Options: Decodable {
        var perPage: Int
        var labels: [String]?
        var window: TimeSpan?
        var headers: [String: String]?
        var mode: Mode?
        var items: JSON?
        var verbose: Bool

        enum Mode: String, Decodable { case fast, slow }

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            perPage = try reader.required("per_page")
            labels = try reader.optional("labels")
            window = try reader.optional("window")
            headers = try reader.optional("headers")
            mode = try reader.optional("mode")
            // Read as raw JSON first, then typed: its shape is the reader's to check.
            if case .array? = try reader.optional("items", as: JSON.self) {
                items = .array(try reader.required("items", as: [String].self).map { .string($0) })
            }
            verbose = reader.has("verbose")
        }
    }

    static func uses() -> [String: OptionsDecoder.OptionUse] {
        let uses = OptionsDecoder.optionUses(of: Options.self, examples: [["per_page": 10, "items": ["a"]], [:]])
        return Dictionary(uniqueKeysWithValues: uses.map { ($0.name, $0) })
    }

    @Test("records every option asked, with the Swift types it is decoded as")
    func recordsTypes() {
        let uses = Self.uses()
        #expect(uses.keys.sorted() == ["headers", "items", "labels", "mode", "per_page", "verbose", "window"])
        #expect(uses["per_page"]?.types == ["Int"])
        #expect(uses["labels"]?.types == ["Array<String>"])
        #expect(uses["items"]?.types == ["JSON", "Array<String>"])
        #expect(uses["verbose"]?.types == [])
    }

    @Test("an option is required only when every read of it requires it")
    func required() {
        let uses = Self.uses()
        #expect(uses["per_page"]?.required == true)
        #expect(uses["labels"]?.required == false)
        // Required only once the raw read saw an array.
        #expect(uses["items"]?.required == false)
    }

    @Test("known types map to their schema; raw JSON takes anything; others state none")
    func schemas() {
        let uses = Self.uses()
        #expect(uses["per_page"]?.schema == Int.optionSchema)
        #expect(uses["labels"]?.schema == ["type": "array", "items": ["type": "string"]])
        #expect(uses["headers"]?.schema == ["type": "object", "additionalProperties": ["type": "string"]])
        #expect(uses["window"]?.schema?["type"] == "string")
        #expect(uses["items"]?.schema == [:])
        #expect(uses["mode"]?.schema == nil)
        #expect(uses["verbose"]?.schema == nil)
    }

    @Test("a number or a boolean may be a string: the loader reads \"5\", \"true\" and ${…} as one")
    func numbersAcceptStrings() {
        let integer = Int.optionSchema.jsonText
        #expect(integer.contains(#""type":"integer""#) && integer.contains(#"\\$\\{"#))
        #expect(Bool.optionSchema["anyOf"]?.array?.contains(["enum": ["true", "false"]]) == true)
        #expect(OptionSchema.words(["a", "b"]) == ["anyOf": [["enum": ["a", "b"]], OptionSchema.variable]])
    }
}
