import Pipeline
import Synchronization

/// Answers every exchange from a recording (`HTTPRecording`) and never touches the network: what
/// `pipeline test` sets on the run's client. A request is matched on its method, its redacted URL
/// and its body; identical requests get the recorded answers in the recorded order (the last one
/// again once they are used up, as a server at rest would give). A request the recording lacks
/// fails with `HTTPError.Kind.notRecorded`, naming it and the closest recorded ones.
public final class ReplayTransport: HTTPExchangeHook {
    /// Where the recording came from, for messages.
    public let source: String
    private let exchanges: [HTTPRecording.Exchange]
    private struct Queues {
        var answers: [String: [Int]] = [:]
        var used: [String: Int] = [:]
    }
    private let queues: Mutex<Queues>

    public convenience init(directory: String) throws(HTTPRecordingError) {
        self.init(exchanges: try HTTPRecording.read(directory: directory), source: directory)
    }

    public init(exchanges: [HTTPRecording.Exchange], source: String) {
        self.source = source
        self.exchanges = exchanges
        var queues = Queues()
        for (index, exchange) in exchanges.enumerated() { queues.answers[exchange.key, default: []].append(index) }
        self.queues = Mutex(queues)
    }

    /// How many recorded exchanges no request has asked for yet.
    public var unusedCount: Int {
        queues.withLock { queues in
            queues.answers.reduce(0) { total, entry in total + max(0, entry.value.count - (queues.used[entry.key] ?? 0)) }
        }
    }

    public func exchange(
        _ request: HTTPRequest, perform: @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let url = HTTPRecording.redact(url: request.url)
        let key = HTTPRecording.key(method: request.method, url: url, body: request.body.map(HTTPRecording.scrub))
        let index = queues.withLock { queues -> Int? in
            guard let answers = queues.answers[key] else { return nil }
            let used = queues.used[key, default: 0]
            queues.used[key] = used + 1
            return answers[min(used, answers.count - 1)]
        }
        guard let index else {
            throw HTTPError(
                .notRecorded(recording: source, closest: closest(to: "\(request.method) \(url)")), method: request.method,
                url: request.url, attempts: 0)
        }
        var response = exchanges[index].response()
        response.url = request.url
        return response
    }

    /// Up to three recorded requests nearest `wanted` (`METHOD URL`): the longest common prefix
    /// first, then the nearest length.
    func closest(to wanted: String) -> [String] {
        var seen = Set<String>()
        let distinct = exchanges.map(\.summary).filter { seen.insert($0).inserted }
        let wantedBytes = Array(wanted.utf8)
        func shared(_ candidate: String) -> Int {
            zip(wantedBytes, candidate.utf8).prefix { $0 == $1 }.count
        }
        return
            distinct
            .map { (summary: $0, shared: shared($0), gap: abs($0.utf8.count - wantedBytes.count)) }
            .sorted { ($1.shared, $0.gap) < ($0.shared, $1.gap) }
            .prefix(3).map(\.summary)
    }
}
