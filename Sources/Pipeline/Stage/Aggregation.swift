/// A transform that folds its whole input into a result at the end: count, mean, percentiles.
///
/// Its result is emitted only when every upstream stage finished cleanly: a count over part of
/// the data would be a wrong number, which is worse than a missing one.
public protocol Aggregation: Sendable {
    func makeAccumulator(context: StageContext) -> any Accumulator
}

/// The running state of one aggregation during one run.
public protocol Accumulator {
    mutating func add(_ batch: [Item]) throws
    func finish() throws -> [Item]
}
