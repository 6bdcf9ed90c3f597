/// One fault in a pipeline file, located by its JSON path: `stages.open_prs.inputs[0]: unknown stage …`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public init(path: [String], message: String) {
        self.init(path: Diagnostic.render(path), message: message)
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }

    /// `["stages", "prs", "inputs", "[0]"]` → `stages.prs.inputs[0]`.
    public static func render(_ path: [String]) -> String {
        var out = ""
        for segment in path {
            if segment.hasPrefix("[") {
                out += segment
            } else {
                if !out.isEmpty { out += "." }
                out += segment
            }
        }
        return out
    }
}

/// A pipeline file that cannot run, with every fault found (exit code 2).
public struct PipelineFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var diagnostics: [Diagnostic]

    public init(file: String, diagnostics: [Diagnostic]) {
        self.file = file
        self.diagnostics = diagnostics
    }

    /// One line per fault, each naming the file.
    public var description: String { diagnostics.map { "\(file): \($0)" }.joined(separator: "\n") }
}
