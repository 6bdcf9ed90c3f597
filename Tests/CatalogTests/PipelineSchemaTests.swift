import Catalog
import Pipeline
import Testing

/// The schema of pipeline files built from the registry: one branch per stage type with exactly
/// its keys, typed from the probe. jsonschema checks it against files in `SchemaCommandTests`.
@Suite("pipeline schema")
struct PipelineSchemaTests {
    static let schema = PipelineSchema.build()
    static let registry = StageCatalog.registry

    /// The `then` of `type`'s branch: its properties, required keys and additionalProperties.
    static func branch(_ type: String) throws -> JSON {
        let branches = try #require(schema["$defs"]?["stage"]?["allOf"]?.array)
        let branch = try #require(branches.first { $0["if"]?["properties"]?["type"]?["const"] == .string(type) })
        return try #require(branch["then"])
    }

    @Test("every registered stage type has a branch that names all its options and no other key")
    func branchPerType() throws {
        let branches = try #require(Self.schema["$defs"]?["stage"]?["allOf"]?.array)
        #expect(branches.count == Self.registry.kinds.count)
        for kind in Self.registry.sorted {
            let then = try Self.branch(kind.type)
            #expect(then["additionalProperties"] == false, "\(kind.type)")
            let keys = Set(then["properties"]?.object?.keys ?? [])
            #expect(keys.isSuperset(of: kind.optionNames), "\(kind.type)")
            #expect(keys.isSuperset(of: ["type", "inputs", "description", "concurrency"]), "\(kind.type)")
        }
    }

    @Test("options carry their type, doc and requiredness; stage keys follow the role")
    func countAndPulls() throws {
        let count = try Self.branch("count")
        #expect(count["required"] == ["type", "inputs", "metric"])
        #expect(count["properties"]?["metric"]?["description"] == .string(Self.registry["count"]?.optionDocs["metric"] ?? ""))
        #expect(count["properties"]?["http"] == nil, "a transform makes no requests")
        #expect(count["properties"]?["on_input_error"] == nil, "only a source with inputs")
        let pulls = try Self.branch("github_pulls")
        #expect(pulls["properties"]?["per_page"]?["anyOf"] == Int.optionSchema["anyOf"])
        #expect(pulls["properties"]?["on_input_error"] != nil)
        #expect(pulls["properties"]?["inputs"]?["minItems"] == 1)
        #expect(try Self.branch("github_repository")["properties"]?["inputs"]?["maxItems"] == 0)
        let stdout = try Self.branch("stdout")
        #expect(stdout["properties"]?["format"]?["anyOf"]?.array?.first == ["enum": ["table", "json"]])
    }

    @Test("an option documented (required) is required even when read first as raw JSON")
    func documentedRequired() throws {
        let values = try Self.branch("values")
        #expect(values["required"]?.array?.contains("items") == true)
    }

    @Test("every option's Swift type states its schema (one read as raw JSON takes any value)")
    func everyOptionTyped() {
        for kind in Self.registry.sorted {
            for use in PipelineSchema.optionUses(kind) where use.schema == nil {
                Issue.record("\(kind.type).\(use.name) (\(use.types)): give its type an OptionSchemaDescribing conformance")
            }
        }
    }

    @Test("the file's keys: name and stages required, $schema allowed, nothing else")
    func topLevel() {
        #expect(Self.schema["required"] == ["name", "stages"])
        #expect(Self.schema["additionalProperties"] == false)
        let keys = Set(Self.schema["properties"]?.object?.keys ?? [])
        #expect(keys == ["$schema", "name", "description", "tags", "deadline", "http", "stages"])
    }
}
