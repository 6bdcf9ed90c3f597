import Pipeline
import Sinks
import Sources
import Transforms

/// Every stage type a pipeline file may name.
enum StageCatalog {
    static let registry = StageRegistry(SourceStages.all + TransformStages.all + SinkStages.all)
}
