/// The metrics every run emits about itself, also when it fails (METRICS.md, "Health").
public enum HealthMetrics {
    public static func points(for report: RunReport, pipeline: String, tags: [String], timestamp: Int) -> [MetricPoint] {
        let prefix = "collector.\(pipeline)"
        var points = [
            MetricPoint(
                metric: "\(prefix).duration_seconds", value: (report.durationSeconds * 1000).rounded() / 1000,
                timestamp: timestamp, tags: tags, unit: "second"),
            MetricPoint(metric: "\(prefix).metric_count", value: Double(report.metricCount), timestamp: timestamp, tags: tags),
            MetricPoint(metric: "\(prefix).error_count", value: Double(report.errorCount), timestamp: timestamp, tags: tags),
        ]
        if report.failedAsWhole {
            points.append(MetricPoint(metric: "\(prefix).failed", value: 1, timestamp: timestamp, tags: tags))
        }
        return points
    }
}
