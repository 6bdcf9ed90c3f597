/// A validated pipeline, its stages built and ordered so that inputs come first.
public struct PipelinePlan: Sendable {
    public struct Stage: Sendable {
        public var name: String
        public var kind: StageKind
        public var runtime: StageRuntime
        /// The fields of its input records it reads (see `FieldsRead`).
        public var fieldsRead: FieldsRead
        public var inputs: [String]
        /// Runs of a source with inputs that may be in progress at once (one per input record).
        public var concurrency: Int
        /// The stage's own `http` settings, over the pipeline's.
        public var http: HTTPSettings
        /// `"on_input_error": "continue"`: a source with inputs whose run for one input record
        /// fails goes on with the others and finishes with the error (counted, exit 1), so its
        /// downstream stages get what the other records gave. Default: the first failure fails it.
        public var continueOnInputError = false
        /// The stage's `description`: for a metric stage, its metrics' one-line description.
        public var description: String?
        /// The metrics it emits, each with the stage's description and name.
        public var metrics: [MetricDeclaration] = []

        public init(
            name: String, kind: StageKind, runtime: StageRuntime, fieldsRead: FieldsRead, inputs: [String],
            concurrency: Int = 8, http: HTTPSettings = HTTPSettings()
        ) {
            self.name = name
            self.kind = kind
            self.runtime = runtime
            self.fieldsRead = fieldsRead
            self.inputs = inputs
            self.concurrency = concurrency
            self.http = http
        }

        /// A stage built by `kind` (`StageKind.make`).
        public init(
            name: String, kind: StageKind, built: StageKind.Built, inputs: [String], concurrency: Int = 8,
            http: HTTPSettings = HTTPSettings()
        ) {
            self.init(
                name: name, kind: kind, runtime: built.runtime, fieldsRead: built.fieldsRead, inputs: inputs,
                concurrency: concurrency, http: http)
            metrics = built.metrics.map {
                var metric = $0
                metric.stage = name
                return metric
            }
        }

        public var isSink: Bool { if case .sink = runtime { return true } else { return false } }
    }

    /// Every metric its stages declare, in stage order.
    public var metrics: [MetricDeclaration] { stages.flatMap(\.metrics) }

    public var name: String
    /// Default tags of every point, normalised.
    public var tags: [String]
    public var stages: [Stage]
    /// The file's `deadline`: the run's budget unless `--deadline` says otherwise.
    public var deadline: TimeSpan?
    /// The file's `http` settings, for every stage that makes requests.
    public var http: HTTPSettings

    public init(
        name: String, tags: [String], stages: [Stage], deadline: TimeSpan? = nil, http: HTTPSettings = HTTPSettings()
    ) {
        self.name = name
        self.tags = tags
        self.stages = stages
        self.deadline = deadline
        self.http = http
    }

    /// The stages that read from `name`.
    public func consumers(of name: String) -> [Stage] { stages.filter { $0.inputs.contains(name) } }

    /// For each stage that writes records, the fields its consumers read (see `FieldSelection`).
    public func fieldSelections() -> [String: FieldSelection] {
        var needs: [String: FieldSelection] = [:]
        for stage in stages.reversed() where stage.kind.writes == .records {
            var need = FieldSelection.none
            for consumer in consumers(of: stage.name) {
                guard case .fields(let fields) = consumer.fieldsRead else {
                    need = .all
                    break
                }
                need = need.union(FieldSelection(fields))
                let passesRecordsOn = consumer.kind.role == .transform && consumer.kind.writes == .records
                if passesRecordsOn { need = need.union(needs[consumer.name] ?? .all) }
            }
            needs[stage.name] = need
        }
        return needs
    }
}
