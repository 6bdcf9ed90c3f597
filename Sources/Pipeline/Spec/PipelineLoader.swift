import Foundation

/// Reads a pipeline file, checks it whole, and builds its plan.
///
/// Validation collects every fault before giving up, each with its JSON path and, where a
/// name is close, a suggestion: a user fixing a file at 3 a.m. should see all of it at once.
public struct PipelineLoader: Sendable {
    public var registry: StageRegistry
    public var variables: Variables
    /// When set, every sink is replaced by one stage of this type and options (`--dry-run`).
    public var sinkOverride: (type: String, options: JSON)?
    /// Options set on every stage of a type, over the file's (`--format json` on stdout sinks).
    public var optionOverrides: [String: JSONObject] = [:]
    /// Sinks added beside the file's own, reading what they read (`PIPELINE_DB` adds `sqlite`).
    public var extraSinks: [(name: String, type: String, options: JSON)] = []
    /// Where stages take their defaults from when built (`$DD_API_KEY`, `$PIPELINE_DB`): the
    /// process's, unless a test gives its own.
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(registry: StageRegistry, variables: Variables, sinkOverride: (type: String, options: JSON)? = nil) {
        self.registry = registry
        self.variables = variables
        self.sinkOverride = sinkOverride
    }

    /// The keys of a file; `$schema` names its JSON Schema for editors (`pipeline schema`) and is ignored.
    static let topLevelKeys = ["name", "description", "tags", "deadline", "http", "stages", "$schema"]
    static let stageKeys = ["type", "inputs", "description", "concurrency", "http", "on_input_error"]

    public func load(file path: String) throws(PipelineFileError) -> PipelinePlan {
        guard let bytes = Self.readFile(path) else {
            throw PipelineFileError(
                file: path, diagnostics: [Diagnostic(path: "", message: "cannot read the file (does it exist?)")])
        }
        return try load(bytes, file: path)
    }

    public func load(_ bytes: [UInt8], file: String) throws(PipelineFileError) -> PipelinePlan {
        let document: JSON
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw PipelineFileError(file: file, diagnostics: [Diagnostic(path: "", message: error.description)])
        }
        var diagnostics: [Diagnostic] = []
        let plan = check(document, diagnostics: &diagnostics)
        if let plan, diagnostics.isEmpty { return plan }
        // A fault may quote a value that came from a credential (`"inputs": ["${GITHUB_TOKEN}"]`).
        let redaction = SecretRedaction.shared
        throw PipelineFileError(
            file: file,
            diagnostics: diagnostics.map { Diagnostic(path: redaction.redact($0.path), message: redaction.redact($0.message)) })
    }

    private func check(_ parsed: JSON, diagnostics: inout [Diagnostic]) -> PipelinePlan? {
        // A key defined twice is a fault wherever it is; the rest is checked on the first of each.
        Self.reportDuplicateKeys(in: parsed, path: [], diagnostics: &diagnostics)
        let raw = Self.keepingFirstOfEachKey(parsed)
        guard case .object(let top) = raw else {
            diagnostics.append(
                Diagnostic(path: "", message: "expected an object with name, tags and stages, found \(raw.kindName)"))
            return nil
        }
        for key in top.keys where !Self.topLevelKeys.contains(key) {
            diagnostics.append(Diagnostic(path: [key], message: unknownKey(key, known: Self.topLevelKeys)))
        }
        let document = Interpolation.resolve(raw, variables: variables, path: [], diagnostics: &diagnostics)

        var name = ""
        switch document["name"] {
        case .string(let value)?:
            if !Self.isName(
                value, first: { $0.isLowercaseASCIILetter },
                rest: { $0.isLowercaseASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "_") })
            {
                diagnostics.append(
                    Diagnostic(
                        path: ["name"],
                        message:
                            "\(Diagnostic.quote(value)) must be lower-case letters, digits and _, starting with a letter (it is part of metric names)"
                    ))
            }
            name = value
        case nil: diagnostics.append(Diagnostic(path: ["name"], message: "missing; give the pipeline a name such as \"github\""))
        case let other?: diagnostics.append(Diagnostic(path: ["name"], message: "expected a string, found \(other.kindName)"))
        }
        if let description = document["description"], description.string == nil {
            diagnostics.append(Diagnostic(path: ["description"], message: "expected a string, found \(description.kindName)"))
        }

        var deadline: TimeSpan?
        if let value = document["deadline"] {
            if let text = value.string, let span = TimeSpan(text), span.seconds > 0 {
                deadline = span
            } else {
                diagnostics.append(
                    Diagnostic(path: ["deadline"], message: "expected a time span above zero such as \"10m\" (the run's budget)"))
            }
        }
        let http = document["http"].map { HTTPSettings.parse($0, path: ["http"], diagnostics: &diagnostics) } ?? HTTPSettings()

        var tagPairs: [(String, String)] = []
        switch document["tags"] {
        case nil: break
        case .object(let tags)?:
            for (key, value) in tags {
                if let string = value.string {
                    tagPairs.append((key, string))
                } else {
                    diagnostics.append(Diagnostic(path: ["tags", key], message: "expected a string, found \(value.kindName)"))
                }
            }
        case let other?:
            diagnostics.append(Diagnostic(path: ["tags"], message: "expected an object of tag values, found \(other.kindName)"))
        }

        guard case .object(let stagesObject)? = document["stages"] else {
            diagnostics.append(
                Diagnostic(
                    path: ["stages"],
                    message: document["stages"] == nil ? "missing; a pipeline needs stages" : "expected an object of named stages"
                ))
            return nil
        }
        if stagesObject.isEmpty { diagnostics.append(Diagnostic(path: ["stages"], message: "no stages")) }

        var stages: [PipelinePlan.Stage] = []
        let names = stagesObject.keys
        for (stageName, body) in stagesObject {
            if let stage = checkStage(stageName, body, names: names, diagnostics: &diagnostics) { stages.append(stage) }
        }
        guard stages.count == stagesObject.count else { return nil }
        checkGraph(stages, diagnostics: &diagnostics)
        guard diagnostics.isEmpty, let ordered = Self.topologicalOrder(stages) else { return nil }
        var plan = PipelinePlan(name: name, tags: Tags.from(tagPairs), stages: ordered, deadline: deadline, http: http)
        if let sinkOverride { plan = replacingSinks(plan, with: sinkOverride, diagnostics: &diagnostics) }
        for extra in extraSinks { plan = addingSink(extra, to: plan, diagnostics: &diagnostics) }
        return plan
    }

    private func checkStage(_ name: String, _ body: JSON, names: [String], diagnostics: inout [Diagnostic]) -> PipelinePlan.Stage?
    {
        let path = ["stages", name]
        if !Self.isName(
            name, first: { $0.isASCIILetter || $0 == UInt8(ascii: "_") },
            rest: { $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        {
            diagnostics.append(Diagnostic(path: path, message: "stage names are letters, digits, _ and -"))
        }
        guard case .object(let object) = body else {
            diagnostics.append(Diagnostic(path: path, message: "expected an object with a type, found \(body.kindName)"))
            return nil
        }
        guard case .string(let type)? = object["type"] else {
            diagnostics.append(
                Diagnostic(
                    path: path + ["type"],
                    message: object["type"] == nil
                        ? "missing; every stage needs a type (see `pipeline list`)" : "expected a string"))
            return nil
        }
        guard let kind = registry[type] else {
            let hint =
                Suggest.closest(to: type, among: registry.kinds.keys).map { " (did you mean \"\($0)\"?)" }
                ?? "; see `pipeline list`"
            diagnostics.append(Diagnostic(path: path + ["type"], message: "unknown stage type \(Diagnostic.quote(type))\(hint)"))
            return nil
        }

        var inputs: [String] = []
        var inputsOK = true
        switch object["inputs"] {
        case nil: break
        case .array(let elements)?:
            for (i, element) in elements.enumerated() {
                guard let input = element.string else {
                    diagnostics.append(
                        Diagnostic(
                            path: path + ["inputs", "[\(i)]"], message: "expected a stage name, found \(element.kindName)"))
                    inputsOK = false
                    continue
                }
                if !names.contains(input) {
                    let hint =
                        Suggest.closest(to: input, among: names.filter { $0 != name }).map { " (did you mean \"\($0)\"?)" } ?? ""
                    diagnostics.append(
                        Diagnostic(path: path + ["inputs", "[\(i)]"], message: "unknown stage \(Diagnostic.quote(input))\(hint)"))
                    inputsOK = false
                } else if input == name {
                    diagnostics.append(
                        Diagnostic(
                            path: path + ["inputs", "[\(i)]"],
                            message: "a stage cannot read its own output (cycle \(name) -> \(name))"))
                    inputsOK = false
                } else if inputs.contains(input) {
                    diagnostics.append(
                        Diagnostic(path: path + ["inputs", "[\(i)]"], message: "\(Diagnostic.quote(input)) is listed twice"))
                } else {
                    inputs.append(input)
                }
            }
        case let other?:
            diagnostics.append(
                Diagnostic(path: path + ["inputs"], message: "expected an array of stage names, found \(other.kindName)"))
            inputsOK = false
        }
        if inputsOK {
            if kind.role == .source, kind.reads == nil, !inputs.isEmpty {
                diagnostics.append(Diagnostic(path: path + ["inputs"], message: "a \(type) source takes no inputs"))
            }
            if kind.requiresInputs, inputs.isEmpty {
                let what = kind.role == .source ? "a \(type) source" : "a \(kind.role.rawValue)"
                diagnostics.append(Diagnostic(path: path + ["inputs"], message: "\(what) needs at least one input"))
            }
        }

        var concurrency = 8
        if let value = object["concurrency"] {
            if let n = value.number, n >= 1, n == n.rounded(), n <= 256 {
                concurrency = Int(n)
            } else {
                diagnostics.append(Diagnostic(path: path + ["concurrency"], message: "expected a whole number from 1 to 256"))
            }
        }

        var continueOnInputError = false
        if let value = object["on_input_error"] {
            if kind.role != .source || kind.reads == nil {
                diagnostics.append(
                    Diagnostic(
                        path: path + ["on_input_error"], message: "only a source with inputs runs once per input record"))
            } else if value == .string("continue") {
                continueOnInputError = true
            } else if value != .string("fail") {
                diagnostics.append(
                    Diagnostic(path: path + ["on_input_error"], message: "expected \"fail\" (default) or \"continue\""))
            }
        }

        var http = HTTPSettings()
        if let value = object["http"] {
            if kind.role == .transform {
                diagnostics.append(
                    Diagnostic(
                        path: path + ["http"],
                        message: "a \(kind.role.rawValue) makes no requests; http belongs to sources and sinks"))
            } else {
                http = HTTPSettings.parse(value, path: path + ["http"], diagnostics: &diagnostics)
            }
        }

        var options = object
        for key in Self.stageKeys { options[key] = nil }
        for (key, value) in optionOverrides[type] ?? JSONObject() { options[key] = value }
        do {
            let built = try kind.make(options: .object(options), path: path, environment: environment)
            guard inputsOK else { return nil }
            var stage = PipelinePlan.Stage(
                name: name, kind: kind, built: built, inputs: inputs, concurrency: concurrency, http: http)
            stage.continueOnInputError = continueOnInputError
            stage.description = object["description"]?.string
            for index in stage.metrics.indices { stage.metrics[index].description = stage.description }
            return stage
        } catch let failure as OptionsDecoder.Failure {
            // A value whose ${…} failed is still its raw text: the interpolation fault says it all.
            let failed = Diagnostic.render(failure.path)
            if diagnostics.contains(where: {
                $0.path.hasPrefix("stages.\(name).")
                    && (failed == $0.path || failed.hasPrefix($0.path + ".") || failed.hasPrefix($0.path + "["))
            }) {
                return nil
            }
            var message = failure.message
            if message.hasPrefix("unknown option"), let key = failure.path.last,
                Self.stageKeys.contains(where: { Suggest.editDistance($0, key) <= 2 })
            {
                message += "; stage keys: \(Self.stageKeys.joined(separator: ", "))"
            }
            diagnostics.append(Diagnostic(path: failure.path, message: message))
        } catch {
            diagnostics.append(Diagnostic(path: path, message: "\(error)"))
        }
        return nil
    }

    /// Every key that appears more than once in one object of the file, at its path. JSON
    /// leaves such an object undefined (most readers keep the last silently, this one the first):
    /// the file says two things, and neither can be trusted to be the one meant.
    static func reportDuplicateKeys(in value: JSON, path: [String], diagnostics: inout [Diagnostic]) {
        switch value {
        case .object(let object):
            var counts: [String: Int] = [:]
            for key in object.keys { counts[key, default: 0] += 1 }
            var reported = Set<String>()
            for (key, child) in object.pairs {
                if let count = counts[key], count > 1, reported.insert(key).inserted {
                    let times = count == 2 ? "twice" : "\(count) times"
                    diagnostics.append(
                        Diagnostic(path: path + [key], message: "defined \(times); keep one (JSON does not say which one counts)")
                    )
                }
                reportDuplicateKeys(in: child, path: path + [key], diagnostics: &diagnostics)
            }
        case .array(let elements):
            for (i, element) in elements.enumerated() {
                reportDuplicateKeys(in: element, path: path + ["[\(i)]"], diagnostics: &diagnostics)
            }
        default:
            break
        }
    }

    /// `value` with only the first pair of each key in every object (what `JSONObject`'s
    /// subscript reads), so that names are unique from here on.
    /// Whether `text` is a non-empty name whose first byte passes `first` and the others `rest`.
    /// (A regular expression here would load ICU's regex engine and its tables at every start.)
    static func isName(_ text: String, first: (UInt8) -> Bool, rest: (UInt8) -> Bool) -> Bool {
        guard let head = text.utf8.first, first(head) else { return false }
        return text.utf8.dropFirst().allSatisfy(rest)
    }

    static func keepingFirstOfEachKey(_ value: JSON) -> JSON {
        switch value {
        case .object(let object):
            var seen = Set<String>()
            return .object(
                JSONObject(
                    object.pairs.compactMap { pair in
                        seen.insert(pair.key).inserted ? (pair.key, keepingFirstOfEachKey(pair.value)) : nil
                    }))
        case .array(let elements):
            return .array(elements.map(keepingFirstOfEachKey))
        default:
            return value
        }
    }

    private func checkGraph(_ stages: [PipelinePlan.Stage], diagnostics: inout [Diagnostic]) {
        // Names are unique by now (duplicates were reported and dropped); never trap if not.
        let byName = Dictionary(stages.map { ($0.name, $0) }) { first, _ in first }
        // Item kinds must agree along every edge.
        for stage in stages {
            for (i, input) in stage.inputs.enumerated() {
                guard let upstream = byName[input] else { continue }
                guard let writes = upstream.kind.writes else {
                    diagnostics.append(
                        Diagnostic(
                            path: ["stages", stage.name, "inputs", "[\(i)]"], message: "\"\(input)\" is a sink and has no output")
                    )
                    continue
                }
                if let reads = stage.kind.reads, reads != writes {
                    diagnostics.append(
                        Diagnostic(
                            path: ["stages", stage.name, "inputs", "[\(i)]"],
                            message:
                                "\"\(input)\" (\(upstream.kind.type)) writes \(writes.rawValue) but \"\(stage.name)\" (\(stage.kind.type)) reads \(reads.rawValue)"
                        ))
                }
            }
        }
        // Cycles.
        if let cycle = Self.findCycle(stages) {
            diagnostics.append(
                Diagnostic(path: ["stages", cycle[0], "inputs"], message: "cycle: \(cycle.joined(separator: " -> "))"))
            return
        }
        // Every stage's output must reach a sink.
        var reachesSink = Set(stages.filter { $0.kind.role == .sink }.map(\.name))
        var changed = true
        while changed {
            changed = false
            for stage in stages where reachesSink.contains(stage.name) {
                for input in stage.inputs where !reachesSink.contains(input) {
                    reachesSink.insert(input)
                    changed = true
                }
            }
        }
        if !stages.contains(where: { $0.kind.role == .sink }) {
            diagnostics.append(
                Diagnostic(
                    path: ["stages"], message: "no sink: add a stage of type stdout (or another sink) that reads the metrics"))
        } else {
            for stage in stages where !reachesSink.contains(stage.name) {
                diagnostics.append(
                    Diagnostic(
                        path: ["stages", stage.name],
                        message: "its output reaches no sink; add it to a sink's inputs or remove it"))
            }
        }
    }

    /// The first cycle found, as stage names from a stage back to itself (`a -> b -> a`).
    static func findCycle(_ stages: [PipelinePlan.Stage]) -> [String]? {
        let inputs = Dictionary(stages.map { ($0.name, $0.inputs) }) { first, _ in first }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1, let start = stack.firstIndex(of: name), let last = stack.last {
                return Array(stack[start...].reversed()) + [last]
            }
            state[name] = 1
            stack.append(name)
            for input in inputs[name] ?? [] where inputs[input] != nil {
                if let cycle = visit(input) { return cycle }
            }
            stack.removeLast()
            state[name] = 2
            return nil
        }
        for stage in stages { if let cycle = visit(stage.name) { return cycle } }
        return nil
    }

    /// Stages with every input before its readers; nil when the graph has a cycle.
    static func topologicalOrder(_ stages: [PipelinePlan.Stage]) -> [PipelinePlan.Stage]? {
        var placed = Set<String>()
        var ordered: [PipelinePlan.Stage] = []
        var remaining = stages
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.inputs.allSatisfy(placed.contains) }
            if ready.isEmpty { return nil }
            for stage in ready { placed.insert(stage.name) }
            ordered += ready
            remaining.removeAll { placed.contains($0.name) }
        }
        return ordered
    }

    /// `--dry-run`: one sink of the override type reading everything the file's sinks read.
    private func replacingSinks(
        _ plan: PipelinePlan, with override: (type: String, options: JSON), diagnostics: inout [Diagnostic]
    ) -> PipelinePlan {
        guard let kind = registry[override.type], kind.role == .sink else {
            // Keeping the file's sinks would deliver metrics that a dry run promised to keep local.
            diagnostics.append(Diagnostic(path: "--dry-run", message: "unknown sink type \(Diagnostic.quote(override.type))"))
            return plan
        }
        let sinks = plan.stages.filter(\.isSink)
        var inputs: [String] = []
        for sink in sinks { for input in sink.inputs where !inputs.contains(input) { inputs.append(input) } }
        do {
            let built = try kind.make(options: override.options, path: ["--dry-run"], environment: environment)
            var replaced = plan
            replaced.stages = plan.stages.filter { !$0.isSink }
            replaced.stages.append(
                PipelinePlan.Stage(name: sinks.first?.name ?? "stdout", kind: kind, built: built, inputs: inputs))
            return replaced
        } catch let failure as OptionsDecoder.Failure {
            diagnostics.append(Diagnostic(path: failure.path, message: failure.message))
            return plan
        } catch {
            diagnostics.append(Diagnostic(path: "--dry-run", message: "\(error)"))
            return plan
        }
    }

    /// A sink beside the file's, reading everything the file's sinks read.
    private func addingSink(
        _ extra: (name: String, type: String, options: JSON), to plan: PipelinePlan, diagnostics: inout [Diagnostic]
    ) -> PipelinePlan {
        guard let kind = registry[extra.type], !plan.stages.contains(where: { $0.name == extra.name }) else { return plan }
        var inputs: [String] = []
        for sink in plan.stages.filter(\.isSink) {
            for input in sink.inputs where !inputs.contains(input) { inputs.append(input) }
        }
        do {
            let built = try kind.make(options: extra.options, path: [extra.name], environment: environment)
            var added = plan
            added.stages.append(PipelinePlan.Stage(name: extra.name, kind: kind, built: built, inputs: inputs))
            return added
        } catch {
            diagnostics.append(Diagnostic(path: extra.name, message: "\(error)"))
            return plan
        }
    }

    private func unknownKey(_ key: String, known: [String]) -> String {
        let hint = Suggest.closest(to: key, among: known).map { " (did you mean \"\($0)\"?)" } ?? ""
        return "unknown key \(Diagnostic.quote(key))\(hint); a pipeline has \(known.joined(separator: ", "))"
    }

    public static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count { break }
        }
        return ferror(file) == 0 ? bytes : nil
    }
}

extension UInt8 {
    fileprivate var isLowercaseASCIILetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) }
    fileprivate var isASCIILetter: Bool { isLowercaseASCIILetter || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) }
    fileprivate var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
