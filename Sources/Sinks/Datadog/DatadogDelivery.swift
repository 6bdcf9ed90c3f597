import Pipeline

/// Where delivery reads queued points, oldest first, and removes them once Datadog has them.
protocol DeliveryQueue {
    func pending(limit: Int, afterID: Int64?) throws -> [QueuedPoint]
    func remove(ids: [Int64]) throws
}

/// One pipeline's points for one Datadog endpoint in the outbox.
struct OutboxQueue: DeliveryQueue {
    let outbox: Outbox
    let pipeline: String
    let destination: String

    func pending(limit: Int, afterID: Int64?) throws -> [QueuedPoint] {
        try outbox.pending(pipeline: pipeline, destination: destination, limit: limit, afterID: afterID)
            .map { QueuedPoint(id: $0.id, point: $0.point) }
    }

    func remove(ids: [Int64]) throws { try outbox.remove(ids: ids) }
}

/// This run's points when the outbox cannot hold them (it cannot be opened or written): they are
/// still sent, but lost if Datadog cannot take them now.
final class MemoryQueue: DeliveryQueue {
    private var points: [MetricPoint?] = []
    private(set) var delivered = 0

    var count: Int { points.count }

    func append(_ batch: [MetricPoint]) { points += batch.map { $0 } }

    func pending(limit: Int, afterID: Int64?) throws -> [QueuedPoint] {
        var out: [QueuedPoint] = []
        var index = afterID.map { Int($0) + 1 } ?? 0
        while index < points.count, out.count < limit {
            if let point = points[index] { out.append(QueuedPoint(id: Int64(index), point: point)) }
            index += 1
        }
        return out
    }

    func remove(ids: [Int64]) throws {
        for id in ids where points[Int(id)] != nil {
            points[Int(id)] = nil
            delivered += 1
        }
    }
}

/// Sends queued points to Datadog, batch by batch, and removes each batch once Datadog answered 202.
///
/// It stops at the first answer that concerns every batch (the key is rejected, Datadog keeps
/// failing past `retry_for`, an unexpected status); an answer about one batch's content (400, a
/// single point too large) is recorded and the other batches still go.
struct DatadogDelivery {
    let client: DatadogClient
    let configuration: DatadogSink.Configuration
    let budget: DatadogRetryBudget
    let standardTimeout: Duration
    let log: DatadogLog
    private var batcher: DatadogBatcher

    private(set) var deliveredPoints = 0
    private(set) var acceptedRequests = 0
    /// Why delivery stopped early; nil when it went through the whole queue.
    private(set) var stopReason: String?
    private var heldBack = HeldBack()
    private var rejected = Rejections()
    private var removalFailed = false
    /// Entries of the current page removed from the queue.
    private var removed = Set<Int64>()

    init(
        client: DatadogClient, configuration: DatadogSink.Configuration, budget: DatadogRetryBudget,
        standardTimeout: Duration, log: DatadogLog
    ) {
        self.client = client
        self.configuration = configuration
        self.budget = budget
        self.standardTimeout = standardTimeout
        self.log = log
        self.batcher = DatadogBatcher(limits: configuration.limits, compression: configuration.compression)
    }

    /// Problems that did not stop the delivery but fail the run: points Datadog refused.
    var problems: [String] { rejected.messages }

    /// Sends everything in `queue` that Datadog would keep, oldest first.
    ///
    /// Paging: delivered entries leave the queue, so the next page is read after the last entry
    /// of the pages so far that is still queued (held back, refused), or from the start when none
    /// is. The cursor is then always a row that exists, which keyset paging needs.
    mutating func drain(_ queue: some DeliveryQueue) async throws {
        var cursor: Int64?
        while stopReason == nil {
            let page: [QueuedPoint]
            do {
                page = try queue.pending(limit: configuration.pageSize, afterID: cursor)
            } catch {
                stopReason = "cannot read the outbox at \(configuration.statePath): \(error)"
                return
            }
            guard !page.isEmpty else { return }
            removed = []
            let now = configuration.wallClock()
            let ready = page.filter { heldBack.admit($0.point, now: now, historical: configuration.historical) }
            var start = 0
            while start < ready.count, stopReason == nil {
                let (range, payload) = batcher.nextBatch(ready, from: start)
                start = range.upperBound
                try await send(ready[range], payload: payload, queue: queue)
            }
            if let kept = page.last(where: { !removed.contains($0.id) }) { cursor = kept.id }
            if page.count < configuration.pageSize { return }
        }
    }

    /// The warning about points kept back, once per run.
    func reportHeldBack(statePath: String?) {
        for message in heldBack.messages(statePath: statePath) { log.warning(message) }
    }

    private mutating func send(
        _ entries: ArraySlice<QueuedPoint>, payload: DatadogPayload, queue: some DeliveryQueue
    ) async throws {
        let prepared = try batcher.body(for: payload)
        guard let body = prepared.body else {
            if entries.count > 1 {
                try await sendHalves(entries, queue: queue)
            } else {
                rejected.add(
                    points: 1,
                    "a point of \(entries.first?.point.metric ?? "?") is larger than Datadog takes in one request "
                        + "(\(prepared.wire) bytes on the wire, \(prepared.raw) as JSON)")
            }
            return
        }
        let result: DatadogClient.SubmitResult
        do {
            result = try await client.submit(
                body: body, compression: configuration.compression,
                timeout: budget.attemptTimeout(standard: standardTimeout))
        } catch let error as HTTPError {
            stopReason = "Datadog did not take the points: \(error)"
            return
        } catch let exhausted as DatadogRetryBudget.Exhausted {
            let last = exhausted.lastFailure.map { " (last: \($0))" } ?? ""
            stopReason =
                "Datadog kept failing\(last), and retrying longer would exceed retry_for "
                + "(\(HTTPDuration.text(configuration.retryFor))); the retries are in the warnings above"
            return
        }
        switch result {
        case .accepted:
            acceptedRequests += 1
            deliveredPoints += entries.count
            do {
                let ids = entries.map(\.id)
                try queue.remove(ids: ids)
                removed.formUnion(ids)
            } catch {
                if !removalFailed {
                    log.warning(
                        "Datadog has the points, but they could not be removed from the outbox (\(error)): "
                            + "the next run sends them again, which Datadog stores once")
                }
                removalFailed = true
            }
        case .rejected(let status, _) where status == 401 || status == 403:
            stopReason = DatadogClient.keyRejected(status: status)
        case .rejected(413, _) where entries.count > 1:
            log.info("Datadog answered 413 (payload too large) for \(entries.count) points; sending them in two halves")
            try await sendHalves(entries, queue: queue)
        case .rejected(413, let message):
            rejected.add(
                points: 1,
                "Datadog refused a single point of \(entries.first?.point.metric ?? "?") as too large (413: \(message))"
            )
        case .rejected(400, let message):
            let problem = "Datadog rejected a batch of \(entries.count) points (400 Bad Request: \(message))"
            log.error(problem + "; the batch stays in the outbox and the other batches still go")
            rejected.add(points: entries.count, problem)
        case .rejected(let status, let message):
            let url = URLRedaction.redact(client.endpoint.seriesURL)
            stopReason = "POST \(url): \(HTTPStatusPhraseText.describe(status)): \(message)"
        }
    }

    private mutating func sendHalves(_ entries: ArraySlice<QueuedPoint>, queue: some DeliveryQueue) async throws {
        let middle = entries.startIndex + entries.count / 2
        let first = entries[..<middle]
        let second = entries[middle...]
        try await send(first, payload: DatadogPayload(first.lazy.map(\.point)), queue: queue)
        guard stopReason == nil else { return }
        try await send(second, payload: DatadogPayload(second.lazy.map(\.point)), queue: queue)
    }
}

/// Points Datadog refused for their content, summed up for the run's error.
private struct Rejections {
    private var first: [String] = []
    private var batches = 0
    private var points = 0

    mutating func add(points count: Int, _ message: String) {
        batches += 1
        points += count
        if first.count < 3 { first.append(message) }
    }

    var messages: [String] {
        guard batches > 0 else { return [] }
        var messages = first
        if batches > first.count { messages.append("\(batches - first.count) more batches refused") }
        messages.append("\(points) refused points stay in the outbox")
        return messages
    }
}

/// Points Datadog would answer 202 for and then drop: kept in the outbox, not sent.
private struct HeldBack {
    private var old = Span()
    private var ahead = Span()

    struct Span {
        var count = 0
        var oldest = Int.max
        var newest = Int.min
        var metrics: [String] = []

        mutating func add(_ point: MetricPoint) {
            count += 1
            oldest = min(oldest, point.timestamp)
            newest = max(newest, point.timestamp)
            if metrics.count < 5, !metrics.contains(point.metric) { metrics.append(point.metric) }
        }

        var detail: String {
            let range =
                oldest == newest
                ? Timestamp.format(Double(oldest))
                : "\(Timestamp.format(Double(oldest))) to \(Timestamp.format(Double(newest)))"
            return "timestamps \(range); metrics \(metrics.joined(separator: ", "))\(metrics.count == 5 ? ", …" : "")"
        }
    }

    /// Whether `point` may be sent now.
    mutating func admit(_ point: MetricPoint, now: Double, historical: Bool) -> Bool {
        let age = now - Double(point.timestamp)
        if age > DatadogSink.maxPointAge, !historical {
            old.add(point)
            return false
        }
        if -age > DatadogSink.maxPointLead {
            ahead.add(point)
            return false
        }
        return true
    }

    /// `statePath` nil: no outbox (a replay), so held-back points are simply not sent.
    func messages(statePath: String?) -> [String] {
        let kept = statePath.map { "They stay in the outbox (\($0))" } ?? "They were not sent"
        var messages: [String] = []
        if old.count > 0 {
            messages.append(
                "held back \(old.count) points older than an hour (58 minutes, leaving two for retries and clock "
                    + "skew; \(old.detail)): Datadog answers 202 for such points but drops them unless Historical "
                    + "Metrics Ingestion is enabled for their metrics. \(kept); once it "
                    + "is enabled, set \"historical\": true on this sink (replay: --historical) to send them")
        }
        if ahead.count > 0 {
            messages.append(
                "held back \(ahead.count) points more than ten minutes in the future (nine, with a minute of "
                    + "margin; \(ahead.detail)): Datadog drops them. \(statePath == nil ? "They were not sent" : "They stay in the outbox and go once their time comes"); check the clock and --as-of")
        }
        return messages
    }
}

/// Durations in messages: `30s`, `2m`, `1.5s`.
enum HTTPDuration {
    static func text(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        return "\(JSON.formatNumber((seconds * 1000).rounded() / 1000))s"
    }
}
