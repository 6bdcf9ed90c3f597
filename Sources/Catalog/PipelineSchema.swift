import Pipeline

/// The JSON Schema (draft 2020-12) of pipeline files, built from a stage registry: the file's
/// keys, and per stage type its options with their types, descriptions and required ones, so an
/// editor completes and checks a file (`"$schema"` may name it). `pipeline schema` prints it.
///
/// It describes the file as written, before `${…}` is substituted, and accepts what the loader
/// accepts: a `${…}` string where an option reads a number, a boolean or one of a few words.
/// An option whose type states no schema takes any value. The graph (inputs naming stages,
/// cycles, sinks) is the loader's to check.
public enum PipelineSchema {
    public static let draft = "https://json-schema.org/draft/2020-12/schema"

    /// The schema of files whose stages are `registry`'s.
    public static func build(_ registry: StageRegistry = StageCatalog.registry) -> JSON {
        let kinds = registry.sorted
        var top = JSONObject()
        top["$schema"] = .string(draft)
        top["title"] = "pipeline file"
        top["description"] = "A declarative pipeline: named stages wired by their inputs (`pipeline list`)."
        top["type"] = "object"
        top["properties"] = [
            "$schema": ["type": "string", "description": "the schema this file follows (`pipeline schema`)"],
            "name": OptionSchema.orVariable([
                "type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                "description": "lower-case letters, digits and _: part of the health metrics' names (collector.NAME.…)",
            ]),
            "description": ["type": "string", "description": "what the pipeline reports"],
            "tags": [
                "type": "object", "additionalProperties": ["type": "string"],
                "description": "tags added to every point; an empty value drops the tag",
            ],
            "deadline": timeSpan("the run's budget, such as \"10m\" (default: $PIPELINE_DEADLINE, else 10m)"),
            "http": http("the request limits of every stage"),
            "stages": [
                "type": "object", "minProperties": 1,
                "propertyNames": ["pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"],
                "additionalProperties": ["$ref": "#/$defs/stage"],
                "description": "the stages, by name",
            ],
        ]
        top["required"] = ["name", "stages"]
        top["additionalProperties"] = false
        top["$defs"] = ["stage": stage(kinds)]
        return .object(top)
    }

    /// A stage: an object with a known `type`, then, for each type, exactly its keys.
    static func stage(_ kinds: [StageKind]) -> JSON {
        let types = JSON.array(kinds.map { .string($0.type) })
        return [
            "type": "object",
            "properties": [
                "type": ["anyOf": [["enum": types], OptionSchema.variable], "description": "the stage type (`pipeline list`)"]
            ],
            "required": ["type"],
            "allOf": .array(
                kinds.map { kind in
                    ["if": ["properties": ["type": ["const": .string(kind.type)]]], "then": stageOfKind(kind)]
                }),
        ]
    }

    /// The keys of a stage of `kind`: the keys every stage has, those of its role, and its options.
    static func stageOfKind(_ kind: StageKind) -> JSON {
        var properties = JSONObject()
        properties["type"] = ["const": .string(kind.type), "description": .string(kind.summary)]
        var inputs = JSONObject([
            ("type", "array"), ("items", ["type": "string"]), ("uniqueItems", true),
            ("description", "the names of the stages it reads"),
        ])
        if kind.requiresInputs { inputs["minItems"] = 1 }
        if kind.reads == nil { inputs["maxItems"] = 0 }
        properties["inputs"] = .object(inputs)
        properties["description"] = ["description": "what the stage is for"]
        properties["concurrency"] = [
            "type": "integer", "minimum": 1, "maximum": 256,
            "description": "how many input records a source with inputs runs at once (default 8)",
        ]
        if kind.role == .source, kind.reads != nil {
            properties["on_input_error"] = OptionSchema.orVariable([
                "enum": ["fail", "continue"],
                "description":
                    "fail (default): one input record's failure fails the stage; continue: the others go on and the stage fails at the end",
            ])
        }
        if kind.role != .transform { properties["http"] = http("this stage's request limits, over the file's") }
        var required: [JSON] = ["type"]
        if kind.requiresInputs { required.append("inputs") }
        for use in optionUses(kind) {
            var option = use.schema ?? [:]
            if let doc = kind.optionDocs[use.name], case .object(var object) = option {
                object["description"] = .string(doc)
                option = .object(object)
            }
            properties[use.name] = option
            // Required when every read requires it, or its doc says so (read first as raw JSON).
            if use.required || kind.optionDocs[use.name]?.contains("(required") == true { required.append(.string(use.name)) }
        }
        return [
            "properties": .object(properties), "required": .array(required), "additionalProperties": false,
        ]
    }

    /// How `kind` reads each of its options; one the probe saw no read of is untyped.
    public static func optionUses(_ kind: StageKind) -> [OptionsDecoder.OptionUse] {
        let uses = kind.optionUses
        return kind.optionNames.map { name in
            uses.first { $0.name == name }
                ?? OptionsDecoder.OptionUse(name: name, types: [], schema: nil, required: false)
        }
    }

    static func timeSpan(_ description: String) -> JSON {
        ["type": "string", "description": .string(description)]
    }

    /// The `http` object of the file or of a stage.
    static func http(_ description: String) -> JSON {
        [
            "type": "object", "description": .string(description),
            "properties": [
                "timeout": timeSpan("the longest one attempt may take, connecting to the last byte (default 30s)"),
                "connect_timeout": timeSpan("the longest connecting may take (default 10s)"),
                "max_response_bytes": [
                    "type": ["integer", "string"],
                    "description":
                        "the largest answer a request accepts: bytes, or \"512KiB\", \"8MiB\", \"1GiB\" (default 8MiB)",
                ],
            ],
            "additionalProperties": false,
        ]
    }
}
