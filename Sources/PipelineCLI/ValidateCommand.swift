import Pipeline

/// `pipeline validate`: checks pipeline files without running them.
enum ValidateCommand {
    static let help = """
        Check pipeline files without running them: JSON syntax, stage types and options, inputs,
        cycles, stages whose output reaches no sink, ${VARIABLES} (set them with --var or the
        environment, as for run) and ${secret:NAME}s (each looked up in the backend
        PIPELINE_SECRETS names: env, dir:/path or aws; a missing one is named, never its value),
        and each metric's metadata: a one-line description (the stage's "description"), a unit
        Datadog knows, and one meaning per metric key.
        Values of ${secret:…}s and of variables named like credentials (…TOKEN…, …KEY…,
        …SECRET…, …PASSWORD…, …PASSWD…, …PASSPHRASE…, …CREDENTIAL…, …PRIVATE…) are shown as
        [secret] wherever a fault would quote them.

        usage: pipeline validate FILE|NAME… [--var NAME=VALUE]…

        Prints one line per fault, with the file and the JSON path of the fault, and exits 2 when
        any file has one; prints "FILE: ok" for each good file and exits 0 otherwise.
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "validate", valued: ["--var"], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard !args.positionals.isEmpty else { throw .usage("validate needs at least one pipeline file", command: "validate") }
        var loader = try PipelineLoader.forCommand(args, command: "validate")
        var failed = false
        for name in args.positionals {
            do {
                let file = try PipelineFiles.resolve(name, command: "validate")
                loader.variables.secrets = try await PipelineFiles.secrets(in: file, command: "validate")
                let plan = try loader.load(file: file)
                // What docs, dashboards, monitors and the Datadog sink's metadata are made of.
                let metadata = MetricMetadataCheck.diagnostics(plan)
                guard metadata.isEmpty else { throw PipelineFileError(file: file, diagnostics: metadata) }
                print(SecretRedaction.shared.redact("\(file): ok (\(plan.name), \(plan.stages.count) stages)"))
            } catch let error as CLIError {
                failed = true
                printError(error.description)
            } catch let error as PipelineFileError {
                failed = true
                printError(CLIError.pipelineFile(error).description)
            } catch {
                failed = true
                printError("error: \(error)")
            }
        }
        return failed ? ExitCode.usage : ExitCode.success
    }
}
