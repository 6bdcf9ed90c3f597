import CZlib

/// Decompression of request bodies, as Datadog's intake does it before checking sizes.
///
/// Written separately from the sink's compressor on purpose: a round trip through two
/// implementations catches what one implementation checking itself would not.
public enum Inflate {
    public enum Outcome: Sendable, Equatable {
        case ok([UInt8])
        /// The decompressed body would be larger than the limit.
        case tooLarge
        /// Not a valid stream of the declared encoding.
        case corrupt(String)
    }

    /// Decompresses a `Content-Encoding: gzip` (RFC 1952) or `deflate` (zlib, RFC 1950) body,
    /// refusing to produce more than `limit` bytes.
    public static func decode(_ body: [UInt8], encoding: String, limit: Int) -> Outcome {
        switch encoding {
        case "gzip": inflate(body, windowBits: 15 + 16, limit: limit)
        case "deflate": inflate(body, windowBits: 15, limit: limit)
        default: .corrupt("unsupported Content-Encoding \"\(encoding)\"")
        }
    }

    private static func inflate(_ input: [UInt8], windowBits: Int32, limit: Int) -> Outcome {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .corrupt("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
                }
            } while status == Z_OK && output.count <= limit && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        if output.count > limit { return .tooLarge }
        guard status == Z_STREAM_END else {
            return .corrupt(
                status == Z_OK || status == Z_BUF_ERROR ? "truncated stream" : "invalid stream (zlib \(status))")
        }
        guard stream.avail_in == 0 else { return .corrupt("data after the end of the stream") }
        return .ok(output)
    }
}
