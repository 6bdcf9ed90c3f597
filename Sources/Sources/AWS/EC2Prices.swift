/// On-demand prices for `hourly_usd`: the table kept in the repository (`EC2PriceTable`), under
/// a pipeline's own `prices` option, which wins (negotiated rates, types the table lacks).
struct EC2Prices: Sendable {
    /// `"m5.large"` (any region) or `"eu-west-1/m5.large"` → USD per hour.
    var overrides: [String: Double] = [:]

    func hourlyUSD(region: String, instanceType: String) -> Double? {
        overrides["\(region)/\(instanceType)"] ?? overrides[instanceType] ?? EC2PriceTable.onDemandLinux[region]?[instanceType]
    }
}
