import CCurl
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Why a transfer produced no response, and whether another attempt could help.
/// Internal: `send` turns it into an `HTTPError` once retries are over.
struct TransferFailure: Error {
    var kind: HTTPError.Kind
    var retryable: Bool
    /// Whether the request may have reached the server (false when no connection was made),
    /// so that a request which must not be repeated is retried only when it certainly was not.
    var mayHaveArrived = true

    /// The attempt ran out of time (connecting or in all).
    var isTimeout: Bool {
        switch kind {
        case .timedOut, .connectTimedOut: true
        default: false
        }
    }

    /// Classifies a finished curl transfer. `osErrno` is `CURLINFO_OS_ERRNO`, `detail` the
    /// text from `CURLOPT_ERRORBUFFER` (used only where it adds something, e.g. TLS problems).
    /// `timeout` and `connectTimeout` are the attempt's (a timeout while connecting is the
    /// connect timeout's when that is the shorter).
    static func classify(
        _ code: CURLcode, osErrno: Int32, detail: String, timeout: Duration, connectTimeout: Duration
    ) -> TransferFailure {
        func transport(_ reason: String, retryable: Bool = true) -> TransferFailure {
            TransferFailure(kind: .transport(reason), retryable: retryable)
        }
        func notConnected(_ reason: String) -> TransferFailure {
            TransferFailure(kind: .transport(reason), retryable: true, mayHaveArrived: false)
        }
        switch code {
        case CURLE_COULDNT_CONNECT:
            if osErrno == ECONNREFUSED { return notConnected("connection refused") }
            if osErrno != 0 { return notConnected("could not connect (\(errnoText(osErrno)))") }
            return notConnected("could not connect")
        case CURLE_COULDNT_RESOLVE_HOST: return notConnected("could not resolve the host name")
        case CURLE_COULDNT_RESOLVE_PROXY: return notConnected("could not resolve the proxy's host name")
        case CURLE_OPERATION_TIMEDOUT:
            let connecting = detail.hasPrefix("Connection timed out") || detail.hasPrefix("Resolving timed out")
            if connecting, connectTimeout <= timeout {
                return TransferFailure(kind: .connectTimedOut(connectTimeout), retryable: true, mayHaveArrived: false)
            }
            return TransferFailure(kind: .timedOut(timeout), retryable: true)
        case CURLE_GOT_NOTHING: return transport("empty reply (the server closed the connection without answering)")
        case CURLE_PARTIAL_FILE: return transport("connection closed before the whole response arrived")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            if osErrno == ECONNRESET { return transport("connection reset by the server") }
            return transport("connection dropped while \(code == CURLE_SEND_ERROR ? "sending" : "receiving")")
        case CURLE_HTTP2, CURLE_HTTP2_STREAM: return transport("HTTP/2 stream error")
        case CURLE_SSL_CONNECT_ERROR: return transport("TLS handshake failed: \(detail)")
        case CURLE_PEER_FAILED_VERIFICATION:
            return transport("TLS certificate not trusted: \(detail)", retryable: false)
        case CURLE_TOO_MANY_REDIRECTS: return transport("too many redirects", retryable: false)
        case CURLE_BAD_CONTENT_ENCODING:
            return transport("could not decode the compressed response", retryable: false)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return TransferFailure(kind: .invalidRequest("curl rejected the URL: \(detail)"), retryable: false)
        default:
            let name = String(cString: curl_easy_strerror(code))
            return transport(
                "curl error \(code.rawValue) (\(name))\(detail.isEmpty ? "" : ": \(detail)")", retryable: false)
        }
    }

    private static func errnoText(_ number: Int32) -> String { String(cString: strerror(number)) }
}
