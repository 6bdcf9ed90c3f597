import HTTP
import Pipeline
import Storage

/// Where delivery reads queued points, oldest first, and removes them once Datadog has them.
protocol DeliveryQueue {
    func pending(limit: Int, afterID: Int64?) throws -> [QueuedPoint]
    func remove(ids: [Int64]) throws
    /// Takes points Datadog refused out of the queue, keeping them (with why) where it can.
    func setAside(_ refusals: [(id: Int64, reason: String)]) throws
    /// Whether `setAside` keeps the points for inspection (the outbox) or only drops them (memory).
    var keepsRefused: Bool { get }
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

    func setAside(_ refusals: [(id: Int64, reason: String)]) throws { try outbox.setAside(refusals) }

    var keepsRefused: Bool { true }
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

    /// Refused points leave the queue (they are not sent again) without counting as delivered.
    func setAside(_ refusals: [(id: Int64, reason: String)]) throws {
        for (id, _) in refusals where points[Int(id)] != nil {
            points[Int(id)] = nil
            refused += 1
        }
    }

    private(set) var refused = 0

    var keepsRefused: Bool { false }
}

/// Sends queued points to Datadog, batch by batch, and removes each batch once Datadog answered 202.
///
/// It stops at the first answer that concerns every batch (the key is rejected, Datadog keeps
/// failing past `retry_for`, the run is stopped, an unexpected status). A 400 concerns points:
/// Datadog refuses the whole request for one point it cannot take, without saying which, so the
/// batch is split in halves until the refused points are alone (at most `maxRefusedRequests`
/// 400s per run); those are set aside (`DeliveryQueue.setAside`) once the run has shown that
/// Datadog takes other points, and every other point is delivered. A single point too large for
/// a request is reported and left queued.
struct DatadogDelivery {
    let client: DatadogClient
    let configuration: DatadogSink.Configuration
    let budget: DatadogRetryBudget
    let standardTimeout: Duration
    let log: DatadogLog
    private var batcher: DatadogBatcher

    /// 400s answered in one run before splitting stops (a batch still refused then stays queued).
    static let maxRefusedRequests = 100

    private(set) var deliveredPoints = 0
    private(set) var acceptedRequests = 0
    /// Why delivery stopped early; nil when it went through the whole queue.
    private(set) var stopReason: String?
    /// The run was asked to stop (SIGTERM) and the sink gave up because of it.
    private(set) var stoppedBySignal = false
    private var heldBack = HeldBack()
    private var refusals = Refusals()
    /// Points Datadog has (202) that could not be removed from the outbox, and why.
    private(set) var unremovedPoints = 0
    private(set) var removalError: String?
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
    var problems: [String] { refusals.messages(statePath: configuration.usesOutbox ? configuration.statePath : nil) }

    /// Points held back as too old or too far ahead, and refused points taken out of the queue.
    var heldBackPoints: Int { heldBack.count }
    var refusedPoints: Int { refusals.setAsideCount }

    /// Sends everything in `queue` that Datadog would keep, oldest first.
    ///
    /// Paging: delivered entries leave the queue, so the next page is read after the last entry
    /// of the pages so far that is still queued (held back, refused), or from the start when none
    /// is. The cursor is then always a row that exists, which keyset paging needs.
    mutating func drain(_ queue: some DeliveryQueue) async throws {
        defer { settleRefusals(queue) }
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

    /// Sets aside the points found refused, once Datadog has shown that it takes others; when it
    /// took nothing at all, the refusal is the request's, not the points': they stay queued.
    private mutating func settleRefusals(_ queue: some DeliveryQueue) {
        let candidates = refusals.takeCandidates()
        guard !candidates.isEmpty else { return }
        guard acceptedRequests > 0 else {
            refusals.everythingRefused(candidates.count)
            return
        }
        do {
            try queue.setAside(candidates.map { ($0.id, $0.reason) })
            refusals.setAside(candidates)
        } catch {
            refusals.setAsideFailed(candidates.count, "\(error)")
        }
    }

    private mutating func send(
        _ entries: ArraySlice<QueuedPoint>, payload: DatadogPayload, queue: some DeliveryQueue
    ) async throws {
        let prepared = try batcher.body(for: payload)
        guard let body = prepared.body else {
            if entries.count > 1 {
                try await sendHalves(entries, queue: queue)
            } else {
                refusals.tooLarge(
                    "a point of \(entries.first?.point.metric ?? "?") is larger than Datadog takes in one request "
                        + "(\(prepared.wire) bytes on the wire, \(prepared.raw) as JSON)")
            }
            return
        }
        guard let result = await submit(body) else { return }
        switch result {
        case .accepted:
            acceptedRequests += 1
            deliveredPoints += entries.count
            do {
                let ids = entries.map(\.id)
                try queue.remove(ids: ids)
                removed.formUnion(ids)
            } catch {
                unremovedPoints += entries.count
                if removalError == nil {
                    removalError = "\(error)"
                    log.warning(
                        "Datadog has the points, but they could not be removed from the outbox (\(error)): "
                            + "the next run sends them again, which Datadog stores once")
                }
            }
        case .rejected(let status, _) where status == 401 || status == 403:
            stopReason = DatadogClient.keyRejected(status: status)
        case .rejected(413, _) where entries.count > 1:
            log.info("Datadog answered 413 (payload too large) for \(entries.count) points; sending them in two halves")
            try await sendHalves(entries, queue: queue)
        case .rejected(413, let message):
            refusals.tooLarge(
                "Datadog refused a single point of \(entries.first?.point.metric ?? "?") as too large (413: \(message))")
        case .rejected(400, let message):
            let reason = "\(HTTPStatusPhraseText.describe(400)): \(message)"
            let answered = refusals.refusedRequest(reason)
            if entries.count == 1, let entry = entries.first {
                refusals.candidate(entry, reason: reason)
            } else if answered <= Self.maxRefusedRequests {
                log.info(
                    "Datadog refused a batch of \(entries.count) points (\(reason)); splitting it to find the points "
                        + "it refuses")
                try await sendHalves(entries, queue: queue)
            } else {
                refusals.unsplit(entries.count, reason: reason)
            }
        case .rejected(let status, let message):
            let url = URLRedaction.redact(client.endpoint.seriesURL)
            stopReason = "POST \(url): \(HTTPStatusPhraseText.describe(status)): \(message)"
        }
    }

    /// Sends `body` within what remains of `retry_for` (and of the stop grace, once the run is
    /// stopped); nil when there was no answer, with `stopReason` saying why.
    private mutating func submit(_ body: [UInt8]) async -> DatadogClient.SubmitResult? {
        let clock = ContinuousClock()
        let start = clock.now
        let (deadline, cutoff) = budget.deadline(startingAt: start)
        guard deadline > start else {
            giveUp(.stopped, at: start)
            return nil
        }
        let client = self.client
        let compression = configuration.compression
        let timeout = min(standardTimeout, max(deadline - start, .milliseconds(100)))
        do {
            let result = try await budget.guarded(until: deadline, cutoff: cutoff) {
                try await client.submit(body: body, compression: compression, timeout: timeout)
            }
            budget.answered(at: clock.now)
            return result
        } catch let timeUp as DatadogRetryBudget.TimeUp {
            giveUp(timeUp.cutoff, at: clock.now)
        } catch let stopped as DatadogRetryBudget.Stopped {
            budget.gaveUp(at: clock.now)
            stoppedBySignal = true
            let last = stopped.lastFailure.map { " (last: \($0))" } ?? ""
            stopReason = "stopped by a signal (SIGTERM or SIGINT) while Datadog was failing\(last): no retry after it"
        } catch let exhausted as DatadogRetryBudget.Exhausted {
            budget.gaveUp(at: clock.now)
            let last = exhausted.lastFailure.map { " (last: \($0))" } ?? ""
            stopReason =
                "Datadog kept failing for \(DatadogRetryBudget.seconds(exhausted.spent))\(last); waiting "
                + "\(DatadogRetryBudget.seconds(exhausted.wanted)) more to retry would overrun retry_for "
                + "(\(HTTPDuration.text(configuration.retryFor))), so the sink gave up; the retries are in the "
                + "warnings above"
        } catch let error as HTTPError {
            budget.gaveUp(at: clock.now)
            stopReason = "Datadog did not take the points: \(error)"
        } catch {
            budget.gaveUp(at: clock.now)
            stopReason = "Datadog did not take the points: \(error)"
        }
        return nil
    }

    private mutating func giveUp(_ cutoff: DatadogRetryBudget.Cutoff, at now: ContinuousClock.Instant) {
        budget.gaveUp(at: now)
        switch cutoff {
        case .retryFor:
            stopReason =
                "no answer from Datadog within retry_for (\(HTTPDuration.text(configuration.retryFor))): a request "
                + "was still unanswered after Datadog had been failing for \(DatadogRetryBudget.seconds(budget.spent))"
        case .stopped:
            stoppedBySignal = true
            stopReason =
                "stopped by a signal (SIGTERM or SIGINT): Datadog had not answered within stop_grace "
                + "(\(HTTPDuration.text(budget.stopGrace))) of it, so the sink gave up"
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

/// Points Datadog refused, and how the run dealt with them, for the run's error.
private struct Refusals {
    struct Candidate {
        var id: Int64
        var point: MetricPoint
        var reason: String
    }

    /// 400s this run.
    private(set) var requests = 0
    private var candidates: [Candidate] = []
    /// Set aside: how many, the first reason, and "metric at time" of the first few.
    private(set) var setAsideCount = 0
    private var setAsideReason: String?
    private var named: [(String, Int)] = []
    /// Refused as a whole every time, down to single points, while Datadog took nothing.
    private var everything = 0
    private var everythingReason: String?
    /// Batches still refused once splitting stopped.
    private var unsplitPoints = 0
    private var unsplitReason: String?
    private var setAsideFailures: [String] = []
    private var tooLargeMessages: [String] = []
    private var tooLargeCount = 0

    /// Counts a 400; returns how many this run.
    mutating func refusedRequest(_ reason: String) -> Int {
        requests += 1
        if everythingReason == nil { everythingReason = reason }
        return requests
    }

    mutating func candidate(_ entry: QueuedPoint, reason: String) {
        candidates.append(Candidate(id: entry.id, point: entry.point, reason: reason))
    }

    mutating func takeCandidates() -> [Candidate] {
        defer { candidates = [] }
        return candidates
    }

    mutating func setAside(_ refused: [Candidate]) {
        setAsideCount += refused.count
        if setAsideReason == nil { setAsideReason = refused.first?.reason }
        for candidate in refused {
            let name = "\(candidate.point.metric) at \(Timestamp.format(Double(candidate.point.timestamp)))"
            if let index = named.firstIndex(where: { $0.0 == name }) {
                named[index].1 += 1
            } else if named.count < 5 {
                named.append((name, 1))
            }
        }
    }

    mutating func everythingRefused(_ count: Int) { everything += count }

    mutating func setAsideFailed(_ count: Int, _ error: String) {
        setAsideFailures.append("\(count) points Datadog refused could not be set aside (\(error)) and stay queued")
    }

    mutating func unsplit(_ count: Int, reason: String) {
        unsplitPoints += count
        if unsplitReason == nil { unsplitReason = reason }
    }

    mutating func tooLarge(_ message: String) {
        tooLargeCount += 1
        if tooLargeMessages.count < 3 { tooLargeMessages.append(message) }
    }

    /// `statePath` nil: no outbox (a replay), so refused points are only reported.
    func messages(statePath: String?) -> [String] {
        var messages: [String] = []
        if setAsideCount > 0 {
            let names = named.map { $0.1 > 1 ? "\($0.0) (\($0.1) points)" : $0.0 }.joined(separator: ", ")
            let listed = named.reduce(0) { $0 + $1.1 }
            let more = setAsideCount > listed ? ", and \(setAsideCount - listed) more" : ""
            var message = "Datadog refused \(setAsideCount) points (\(setAsideReason ?? "400")): \(names)\(more); "
            if let statePath {
                message +=
                    "they were set aside in the state file (\(statePath), table outbox_refused) and are not sent "
                    + "again: `pipeline outbox` lists them, `pipeline outbox requeue --refused` queues them again "
                    + "once Datadog takes them, `pipeline outbox drop --refused` discards them"
            } else {
                message += "they were not sent"
            }
            messages.append(message)
        }
        if everything > 0 {
            messages.append(
                "Datadog refused every request of this run with 400 (\(everythingReason ?? "")), even for single "
                    + "points, and took none: the fault is in the requests, not in particular points, so \(everything) "
                    + "points were not set aside")
        }
        if unsplitPoints > 0 {
            messages.append(
                "Datadog answered \(Self.limitText) 400s this run (\(unsplitReason ?? "")): \(unsplitPoints) points "
                    + "of batches still refused were not split further and are split again next run")
        }
        messages += setAsideFailures
        messages += tooLargeMessages
        if tooLargeCount > tooLargeMessages.count {
            messages.append("\(tooLargeCount - tooLargeMessages.count) more points too large for a request")
        }
        return messages
    }

    private static var limitText: String { "more than \(DatadogDelivery.maxRefusedRequests)" }
}

/// Points Datadog would answer 202 for and then drop: kept in the outbox, not sent.
private struct HeldBack {
    private var old = Span()
    private var ahead = Span()

    var count: Int { old.count + ahead.count }

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
                    + "is enabled, set \"historical\": true on this sink (replay: --historical) to send them"
                    + (statePath == nil ? "" : ", or discard them with `pipeline outbox drop --too-old`"))
        }
        if ahead.count > 0 {
            messages.append(
                "held back \(ahead.count) points more than ten minutes in the future (nine, with a minute of "
                    + "margin; \(ahead.detail)): Datadog drops them. \(statePath == nil ? "They were not sent" : "They stay in the outbox and go once their time comes"); check the clock and --as-of"
            )
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
