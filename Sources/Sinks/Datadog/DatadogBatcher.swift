import Pipeline

/// Datadog's limits for one `POST /api/v2/series` request (docs.datadoghq.com, "Submit metrics").
public struct DatadogLimits: Sendable, Hashable {
    /// The body as sent, after compression: "The maximum payload size is 500 kilobytes (512000 bytes)."
    public var maxCompressedBytes: Int
    /// The JSON before compression: "Compressed payloads must have a decompressed size of less
    /// than 5 megabytes (5242880 bytes)."
    public var maxUncompressedBytes: Int
    /// Points in one request. Datadog does not publish a per-request cap for v2; 10,000 keeps each
    /// request small enough to retry cheaply and to halve quickly after a 413.
    public var maxPoints: Int

    public init(maxCompressedBytes: Int, maxUncompressedBytes: Int, maxPoints: Int) {
        self.maxCompressedBytes = max(1, maxCompressedBytes)
        self.maxUncompressedBytes = max(1, maxUncompressedBytes)
        self.maxPoints = max(1, maxPoints)
    }

    public static let datadog = DatadogLimits(
        maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 10_000)
}

/// A point waiting in the sink's queue (the outbox, or memory when the outbox cannot be opened).
struct QueuedPoint: Sendable {
    var id: Int64
    var point: MetricPoint
}

/// Cuts a run of queued points, in order, into request bodies under Datadog's limits.
///
/// The point count and the uncompressed size are known exactly while a batch is built
/// (`DatadogPayload.byteCount`); the compressed size only after compressing. So the batcher aims
/// the uncompressed size at what the compression ratio seen so far says will fit, and a body that
/// still compresses too large is halved by the sink (as after a 413), which keeps every request
/// under all three limits whatever the data.
struct DatadogBatcher: Sendable {
    let limits: DatadogLimits
    let compression: DatadogCompression
    /// The uncompressed size a batch is cut at.
    private(set) var targetBytes: Int

    /// Aim a little under the compressed limit: the ratio varies from batch to batch.
    static let headroom = 0.85

    init(limits: DatadogLimits, compression: DatadogCompression) {
        self.limits = limits
        self.compression = compression
        switch compression {
        case .none: targetBytes = min(limits.maxUncompressedBytes, limits.maxCompressedBytes)
        case .gzip, .deflate: targetBytes = limits.maxUncompressedBytes
        }
    }

    /// The next batch of `entries` starting at `start` (at least one point), and its payload.
    func nextBatch(_ entries: [QueuedPoint], from start: Int) -> (range: Range<Int>, payload: DatadogPayload) {
        var payload = DatadogPayload()
        var end = start
        while end < entries.count, payload.pointCount < limits.maxPoints,
            payload.add(entries[end].point, byteLimit: targetBytes)
        {
            end += 1
        }
        return (start..<end, payload)
    }

    /// The body to send for `payload`: its JSON compressed, or nil when it breaks a limit (the
    /// caller halves the batch). `raw` is the JSON's size, for messages.
    mutating func body(for payload: DatadogPayload) throws(DatadogCompression.CompressionError)
        -> (body: [UInt8]?, raw: Int, wire: Int)
    {
        let json = payload.encoded()
        let body = try compression.compress(json)
        observe(raw: json.count, compressed: body.count)
        let fits =
            body.count <= limits.maxCompressedBytes && json.count <= limits.maxUncompressedBytes
            && payload.pointCount <= limits.maxPoints
        return (fits ? body : nil, json.count, body.count)
    }

    /// Learns the compression ratio from a body just compressed.
    mutating func observe(raw: Int, compressed: Int) {
        guard compression != .none, raw >= 1024, compressed > 0 else { return }
        let ratio = Double(compressed) / Double(raw)
        let fitting = Double(limits.maxCompressedBytes) * Self.headroom / ratio
        targetBytes = max(1024, min(limits.maxUncompressedBytes, Int(fitting)))
    }
}
