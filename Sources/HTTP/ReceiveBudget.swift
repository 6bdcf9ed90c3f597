/// How many body bytes the curl thread reads (and reduces, `HTTPRequest.keeping`) in one round
/// of `curl_multi_perform` before it looks at finished transfers and new requests again.
///
/// curl reads a buffer of every transfer in turn, so eight large answers arriving together all
/// finished together, after the last byte of all eight was reduced on this one thread (13 to
/// 22 ms for eight 750 KB pages of workflow runs), and no slot they held went to a waiting
/// request until then. With a budget per round, a transfer that finds it spent pauses, and the
/// paused ones resume oldest first in the next round: the oldest answers finish first and
/// their slots are handed on while the rest still arrive. Only HTTP/1.x answers pause (plain or
/// TLS; checked against libcurl 7.88, Debian 12's): an HTTP/2 or HTTP/3 stream never does
/// (`CurlTransfer.mayPause`). Used on the curl thread alone.
final class ReceiveBudget {
    /// 256 KB: a round reduces it in well under a millisecond.
    static let perRound = 256 * 1024

    private var remaining = ReceiveBudget.perRound

    /// Starts a round.
    func refill() { remaining = Self.perRound }

    /// Takes `count` bytes of the round's budget; false when it is spent (the first chunk of a
    /// round always passes, so a round always makes progress).
    func take(_ count: Int) -> Bool {
        guard remaining > 0 else { return false }
        remaining -= count
        return true
    }
}
