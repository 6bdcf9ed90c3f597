import Synchronization

/// Where a stage sends its items: every downstream stage's inbound channel (fan-out).
///
/// Sending waits while a downstream buffer is full, so a fast source runs at the pace of its
/// slowest consumer and memory stays bounded.
public struct Output: Sendable {
    let channels: [BoundedChannel]
    let pointCounter: PointCounter?
    let collectors: [ItemCollector]

    init(channels: [BoundedChannel], pointCounter: PointCounter?) {
        self.channels = channels
        self.pointCounter = pointCounter
        self.collectors = []
    }

    /// An output that keeps everything sent to it: for running one stage on its own (tests, tools).
    public init(collectingInto collector: ItemCollector) {
        self.channels = []
        self.pointCounter = nil
        self.collectors = [collector]
    }

    private init(channels: [BoundedChannel], pointCounter: PointCounter?, collectors: [ItemCollector]) {
        self.channels = channels
        self.pointCounter = pointCounter
        self.collectors = collectors
    }

    /// The same output, also keeping a copy of what is sent in `collector`.
    func recording(into collector: ItemCollector) -> Output {
        Output(channels: channels, pointCounter: pointCounter, collectors: collectors + [collector])
    }

    public func send(_ items: [Item]) async {
        guard !items.isEmpty else { return }
        if let pointCounter {
            pointCounter.add(items.reduce(0) { $0 + ($1.point == nil ? 0 : 1) })
        }
        for collector in collectors { collector.append(items) }
        RunActivity.current?.progressed()
        for channel in channels { await channel.send(items) }
    }

    public func send(_ item: Item) async { await send([item]) }

    public func send(records: [JSON]) async { await send(records.map(Item.record)) }
}

/// Counts the points that reach sinks: `collector.N.metric_count`.
final class PointCounter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ n: Int) { if n > 0 { value.add(n, ordering: .relaxed) } }
    var count: Int { value.load(ordering: .relaxed) }
}

/// Everything sent to an `Output(collectingInto:)`, in order.
public final class ItemCollector: Sendable {
    private let items = Mutex<[Item]>([])
    public init() {}
    func append(_ batch: [Item]) { items.withLock { $0 += batch } }
    public var all: [Item] { items.withLock { $0 } }
    public var records: [JSON] { all.compactMap(\.record) }
    public var points: [MetricPoint] { all.compactMap(\.point) }
}
