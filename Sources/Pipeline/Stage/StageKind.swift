import Foundation

/// A stage type as the registry knows it: its `type` string, role, the items it reads and
/// writes, its options, and how to build its runtime from them.
///
/// Each stage file declares one (`static let kind = StageKind.aggregation("count", …)`) next to
/// its options and runtime; the registry lists them.
public struct StageKind: Sendable {
    public enum Role: String, Sendable { case source, transform, sink }

    public let type: String
    public let role: Role
    public let summary: String
    /// What the stage reads from its inputs; nil for a source that takes none.
    public let reads: ItemKind?
    /// Whether a file must give this stage inputs (every transform and sink; some sources).
    public let requiresInputs: Bool
    /// What it writes; nil for sinks.
    public let writes: ItemKind?
    /// Example options: documentation for `pipeline list`, and checked by the compliance test.
    public let example: JSON
    /// The options it accepts (from decoding the example), for `pipeline list` and `pipeline schema`.
    /// Found when asked, not when the registry is built: a run never asks, and probing every
    /// kind's options took a quarter of a run's start (15 ms).
    public var optionNames: [String] { probeNames() }
    /// One line of documentation per option it accepts (keys: `optionNames`): what it sets, its default.
    public let optionDocs: [String: String]
    /// How each option is read (its Swift types and their schema, whether it is required), from
    /// decoding the example and `{}`: for `pipeline schema`. Found when asked, as `optionNames`.
    public var optionUses: [OptionsDecoder.OptionUse] { probeUses() }
    private let probeNames: @Sendable () -> [String]
    private let probeUses: @Sendable () -> [OptionsDecoder.OptionUse]
    let build: @Sendable (JSON, [String], [String: String]) throws -> Built

    /// A stage built from its options: its runtime and the fields of its input records it reads.
    public struct Built: Sendable {
        public var runtime: StageRuntime
        public var fieldsRead: FieldsRead
        /// The metrics it emits, when its options declare them (`DeclaresMetrics`).
        public var metrics: [MetricDeclaration]

        public init(runtime: StageRuntime, fieldsRead: FieldsRead, metrics: [MetricDeclaration] = []) {
            self.runtime = runtime
            self.fieldsRead = fieldsRead
            self.metrics = metrics
        }
    }

    /// Builds the stage from its options; `path` locates them in the file, for errors;
    /// `environment` is where defaults come from (`$DD_API_KEY`, `$PIPELINE_DB`).
    public func make(
        options: JSON, path: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Built {
        try build(options, path, environment)
    }

    /// Builds the runtime from the stage's options; `path` locates them in the file, for errors.
    public func makeRuntime(
        options: JSON, path: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> StageRuntime {
        try build(options, path, environment).runtime
    }

    private init<Options: Decodable & Sendable>(
        type: String, role: Role, summary: String, reads: ItemKind?, requiresInputs: Bool, writes: ItemKind?,
        options: Options.Type, example: JSON, fieldsRead: @escaping @Sendable (Options) -> FieldsRead,
        optionDocs: [String: String], build: @escaping @Sendable (Options, [String: String]) throws -> StageRuntime
    ) {
        self.type = type
        self.role = role
        self.summary = summary
        self.reads = reads
        self.requiresInputs = requiresInputs
        self.writes = writes
        self.example = example
        self.probeNames = { OptionsDecoder.optionNames(of: Options.self, example: example) }
        self.optionDocs = optionDocs
        self.probeUses = { OptionsDecoder.optionUses(of: Options.self, examples: [example, .object(JSONObject())]) }
        self.build = { json, path, environment in
            let options = try OptionsDecoder.decode(Options.self, from: json, path: path)
            do {
                return Built(
                    runtime: try build(options, environment), fieldsRead: fieldsRead(options),
                    metrics: (options as? any DeclaresMetrics)?.metricDeclarations ?? [])
            } catch let failure as OptionsDecoder.Failure {
                // Checks made while building name paths relative to the options.
                throw OptionsDecoder.Failure(path: path + failure.path, message: failure.message)
            }
        }
    }

    /// How a source with inputs relates to them: optional records that parameterise it, or required ones.
    public enum SourceInputs: Sendable { case optional, required }

    /// A source that takes no inputs.
    public static func source<Options: Decodable & Sendable>(
        _ type: String, summary: String, options: Options.Type, example: JSON, writes: ItemKind = .records,
        optionDocs: [String: String], make: @escaping @Sendable (Options) throws -> any Source
    ) -> StageKind {
        StageKind(
            type: type, role: .source, summary: summary, reads: nil, requiresInputs: false, writes: writes,
            options: options, example: example, fieldsRead: { _ in .everything }, optionDocs: optionDocs,
            build: { options, _ in .source(try make(options)) })
    }

    /// A source with inputs: it runs once per upstream record, which parameterises it; `fieldsRead`
    /// says which fields of those records it reads.
    public static func source<Options: Decodable & Sendable>(
        _ type: String, summary: String, options: Options.Type, example: JSON, inputs: SourceInputs,
        writes: ItemKind = .records, fieldsRead: @escaping @Sendable (Options) -> FieldsRead,
        optionDocs: [String: String], make: @escaping @Sendable (Options) throws -> any Source
    ) -> StageKind {
        StageKind(
            type: type, role: .source, summary: summary, reads: .records, requiresInputs: inputs == .required,
            writes: writes, options: options, example: example, fieldsRead: fieldsRead, optionDocs: optionDocs,
            build: { options, _ in .source(try make(options)) })
    }

    /// A batch transform; `fieldsRead` says which fields of its input records it reads (`.everything`
    /// for one that reads points).
    public static func batch<Options: Decodable & Sendable>(
        _ type: String, summary: String, options: Options.Type, example: JSON, reads: ItemKind = .records,
        writes: ItemKind = .records, fieldsRead: @escaping @Sendable (Options) -> FieldsRead,
        optionDocs: [String: String], make: @escaping @Sendable (Options) throws -> any BatchTransform
    ) -> StageKind {
        StageKind(
            type: type, role: .transform, summary: summary, reads: reads, requiresInputs: true, writes: writes,
            options: options, example: example, fieldsRead: fieldsRead, optionDocs: optionDocs,
            build: { options, _ in .batch(try make(options)) })
    }

    /// An aggregation; `fieldsRead` says which fields of its input records it reads (`.everything`
    /// for one that reads points).
    public static func aggregation<Options: Decodable & Sendable>(
        _ type: String, summary: String, options: Options.Type, example: JSON, reads: ItemKind = .records,
        writes: ItemKind = .points, fieldsRead: @escaping @Sendable (Options) -> FieldsRead,
        optionDocs: [String: String], make: @escaping @Sendable (Options) throws -> any Aggregation
    ) -> StageKind {
        StageKind(
            type: type, role: .transform, summary: summary, reads: reads, requiresInputs: true, writes: writes,
            options: options, example: example, fieldsRead: fieldsRead, optionDocs: optionDocs,
            build: { options, _ in .aggregation(try make(options)) })
    }

    /// A sink: it reads points, which have no fields to select.
    public static func sink<Options: Decodable & Sendable>(
        _ type: String, summary: String, options: Options.Type, example: JSON,
        optionDocs: [String: String], make: @escaping @Sendable (Options) throws -> any Sink
    ) -> StageKind {
        sink(type, summary: summary, options: options, example: example, optionDocs: optionDocs) { options, _ in
            try make(options)
        }
    }

    /// A sink whose defaults come from the environment (`$DD_API_KEY`, `$PIPELINE_DB`): it is built
    /// with the environment the pipeline file is loaded in, never the process's directly.
    public static func sink<Options: Decodable & Sendable>(
        _ type: String, summary: String, options: Options.Type, example: JSON,
        optionDocs: [String: String], make: @escaping @Sendable (Options, _ environment: [String: String]) throws -> any Sink
    ) -> StageKind {
        StageKind(
            type: type, role: .sink, summary: summary, reads: .points, requiresInputs: true, writes: nil, options: options,
            example: example, fieldsRead: { _ in .everything }, optionDocs: optionDocs,
            build: { options, environment in .sink(try make(options, environment)) })
    }
}

/// A built stage, ready to run.
public enum StageRuntime: Sendable {
    case source(any Source)
    case batch(any BatchTransform)
    case aggregation(any Aggregation)
    case sink(any Sink)
}

/// Options for stages that take none.
public struct NoOptions: Decodable, Sendable {
    public init() {}
    public init(from decoder: Decoder) throws { _ = try decoder.container(keyedBy: PlainKey.self) }
}

struct PlainKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
