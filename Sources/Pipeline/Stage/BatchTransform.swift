/// A stateless transform applied batch by batch: filter, window, derived fields.
///
/// Synchronous on purpose: an async hop per item costs about 2 µs, a batch costs almost nothing.
public protocol BatchTransform: Sendable {
    func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws
}
