/// numpy.percentile's default ("linear") method: the value at position (n-1)·p/100 of the sorted
/// values, interpolating between neighbours. nil for no values.
public func linearPercentile(_ values: [Double], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let position = Double(sorted.count - 1) * p / 100
    let lower = Int(position.rounded(.down))
    let upper = Int(position.rounded(.up))
    let fraction = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}
