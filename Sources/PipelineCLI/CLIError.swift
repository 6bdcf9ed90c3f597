import Pipeline

/// Everything that ends the command early, mapped to an exit code in one place.
enum CLIError: Error, CustomStringConvertible {
    /// Bad arguments: exit 2, with a hint to `--help`.
    case usage(String, command: String?)
    /// A pipeline file that cannot run: exit 2.
    case pipelineFile(PipelineFileError)

    var exitCode: Int32 { 2 }

    var description: String {
        switch self {
        case .usage(let message, let command):
            "error: \(message)\nsee `pipeline \(command.map { "\($0) " } ?? "")--help`"
        case .pipelineFile(let error):
            error.diagnostics.map { "error: \(error.file): \($0)" }.joined(separator: "\n")
        }
    }
}

/// Exit codes of `pipeline run`, documented in `pipeline run --help`.
enum ExitCode {
    static let success: Int32 = 0
    static let stageFailed: Int32 = 1
    static let usage: Int32 = 2
    static let sinkFailed: Int32 = 3
}
