/// The metrics every run emits about itself, also when it fails (METRICS.md, "Health").
public enum HealthMetrics {
    /// `apiUsage` adds `api_requests` and `api_cache_hits` when the run talked to an API, and
    /// `rate_limit_remaining` when an answer said it.
    public static func points(
        for report: RunReport, pipeline: String, tags: [String], timestamp: Int, apiUsage: APIUsage.Counts? = nil
    ) -> [MetricPoint] {
        let prefix = "collector.\(pipeline)"
        var points = [
            MetricPoint(
                metric: "\(prefix).duration_seconds", value: (report.durationSeconds * 1000).rounded() / 1000,
                timestamp: timestamp, tags: tags, unit: "second"),
            MetricPoint(metric: "\(prefix).metric_count", value: Double(report.metricCount), timestamp: timestamp, tags: tags),
            MetricPoint(metric: "\(prefix).error_count", value: Double(report.errorCount), timestamp: timestamp, tags: tags),
        ]
        if let usage = apiUsage, usage.requests + usage.cacheHits > 0 {
            points.append(
                MetricPoint(metric: "\(prefix).api_requests", value: Double(usage.requests), timestamp: timestamp, tags: tags))
            points.append(
                MetricPoint(metric: "\(prefix).api_cache_hits", value: Double(usage.cacheHits), timestamp: timestamp, tags: tags))
            if let remaining = usage.rateLimitRemaining {
                points.append(
                    MetricPoint(
                        metric: "\(prefix).rate_limit_remaining", value: Double(remaining), timestamp: timestamp, tags: tags))
            }
        }
        if report.failedAsWhole {
            points.append(MetricPoint(metric: "\(prefix).failed", value: 1, timestamp: timestamp, tags: tags))
        }
        return points
    }
}
