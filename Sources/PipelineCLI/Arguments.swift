import Pipeline

/// A small command-line parser: `--flag`, `--option VALUE`, `--option=VALUE`, positionals.
struct Arguments {
    var positionals: [String] = []
    var options: [String: [String]] = [:]
    var flags: Set<String> = []

    /// `valued` lists options that take a value; `boolean` lists flags. Anything else is an error.
    init(_ raw: [String], command: String, valued: Set<String>, boolean: Set<String>) throws(CLIError) {
        var i = 0
        var onlyPositionals = false
        while i < raw.count {
            let arg = raw[i]
            i += 1
            if onlyPositionals || !arg.hasPrefix("-") || arg == "-" {
                positionals.append(arg)
                continue
            }
            if arg == "--" {
                onlyPositionals = true
                continue
            }
            var name = arg
            var inlineValue: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inlineValue = String(arg[arg.index(after: eq)...])
            }
            if name == "-h" { name = "--help" }
            if boolean.contains(name) {
                if inlineValue != nil { throw .usage("\(name) takes no value", command: command) }
                flags.insert(name)
            } else if valued.contains(name) {
                if let inlineValue {
                    options[name, default: []].append(inlineValue)
                } else if i < raw.count {
                    options[name, default: []].append(raw[i])
                    i += 1
                } else {
                    throw .usage("\(name) needs a value", command: command)
                }
            } else {
                let hint = Suggest.closest(to: name, among: valued.union(boolean)).map { " (did you mean \($0)?)" } ?? ""
                throw .usage("unknown option \(name)\(hint)", command: command)
            }
        }
    }

    func value(_ name: String) -> String? { options[name]?.last }
    func values(_ name: String) -> [String] { options[name] ?? [] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }
}
