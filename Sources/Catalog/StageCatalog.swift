import Pipeline
import Sinks
import Sources
import Transforms

/// Every stage type a pipeline file may name: the registry the CLI loads files with and the
/// compliance tests walk.
public enum StageCatalog {
    public static let registry = StageRegistry(SourceStages.all + TransformStages.all + SinkStages.all)
}
