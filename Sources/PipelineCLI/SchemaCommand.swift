import Catalog
import Pipeline

/// `pipeline schema`: the JSON Schema of pipeline files, for editors (a file's `"$schema"`).
enum SchemaCommand {
    static let help = """
        Print the JSON Schema (draft 2020-12) of pipeline files: every stage type with its options,
        their types and descriptions, built from the stage types this binary knows.

        usage: pipeline schema

        Save it and name it in a file, so an editor completes and checks it:
          pipeline schema > pipeline.schema.json
          { "$schema": "./pipeline.schema.json", "name": "github", … }
        It checks each stage's keys and option types; `pipeline validate` checks the rest (inputs,
        the graph, variables, values).
        """

    static func main(_ raw: [String]) throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "schema", valued: [], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.isEmpty else { throw .usage("schema takes no arguments", command: "schema") }
        print(PipelineSchema.build().indentedJSONText)
        return ExitCode.success
    }
}
