import CZlib
import Pipeline

/// How the Datadog sink compresses request bodies (`Content-Encoding`), with zlib.
///
/// Datadog's series intake accepts `gzip` and `deflate` (the zlib format of RFC 1950, which is
/// what HTTP calls `deflate`) and counts its 512,000-byte limit on the compressed body, so
/// compression lets one request carry roughly ten times more points.
public enum DatadogCompression: String, Sendable, CaseIterable {
    case gzip
    case deflate
    /// No compression: the body limit then applies to the JSON itself. For debugging.
    case none

    /// The `Content-Encoding` header value; nil for `none`.
    public var contentEncoding: String? {
        switch self {
        case .gzip: "gzip"
        case .deflate: "deflate"
        case .none: nil
        }
    }

    /// `bytes` compressed (or returned as they are for `none`).
    public func compress(_ bytes: [UInt8]) throws(CompressionError) -> [UInt8] {
        switch self {
        case .none: return bytes
        // windowBits 15 + 16 makes zlib write a gzip header and trailer; 15 alone, a zlib stream.
        case .gzip: return try Self.deflate(bytes, windowBits: 15 + 16)
        case .deflate: return try Self.deflate(bytes, windowBits: 15)
        }
    }

    /// zlib could not compress (only when it cannot allocate memory).
    public struct CompressionError: Error, CustomStringConvertible, Sendable {
        public var code: Int32
        public var description: String { "zlib could not compress the request body (error \(code))" }
    }

    private static func deflate(_ input: [UInt8], windowBits: Int32) throws(CompressionError) -> [UInt8] {
        var stream = z_stream()
        let initialised = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else { throw CompressionError(code: initialised) }
        defer { deflateEnd(&stream) }
        // deflateBound is an upper bound for one Z_FINISH call, so a single call always completes.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                status = CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw CompressionError(code: status) }
        output.removeLast(Int(stream.avail_out))
        return output
    }
}

extension DatadogCompression: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = DatadogCompression(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a compression; use gzip, deflate or none")
        }
        self = value
    }
}

extension DatadogCompression: OptionSchemaDescribing {
    public static var optionSchema: JSON { OptionSchema.words(allCases.map(\.rawValue)) }
}
