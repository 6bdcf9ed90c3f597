import CCurl
import Foundation
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// One attempt in progress on the curl thread: an easy handle configured from a `TransferJob`,
/// plus the buffers its callbacks fill. Used only on the curl thread, so it needs no locking.
final class CurlTransfer {
    let job: TransferJob
    let easy: UnsafeMutableRawPointer
    /// The bytes the curl thread reads in its current round, shared by its transfers.
    private let budget: ReceiveBudget
    /// Set when this transfer paused because the round's budget was spent; the thread resumes it.
    var isPaused = false
    /// Whether the answer may pause for the budget: HTTP/1.x only, found at its first body bytes.
    /// An HTTP/2 or HTTP/3 stream never pauses: libcurl's pausing of multiplexed streams has
    /// stalled transfers in several releases (curl/curl#9180, #11982, #16960), and their bytes
    /// share one connection anyway.
    private var mayPause: Bool?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []
    /// Bytes of the body received, whether kept whole or reduced by `reducer`.
    private var received = 0
    /// Reduces a 2xx body to the request's `keeping` as it arrives; nil keeps the body whole.
    private var reducer: (any BodyReducer)?
    /// Set when the answer passed `maxResponseBytes`, with its `Content-Length` when that said so.
    private var bodyLimitExceeded = false
    private var declaredLength: Int?
    /// The status of the response whose headers are arriving (after redirects, the last one).
    private var status = 0
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    init(job: TransferJob, easy: UnsafeMutableRawPointer, budget: ReceiveBudget) {
        self.job = job
        self.easy = easy
        self.budget = budget
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Sets every option for the job on the easy handle. Returns a failure if curl refuses one.
    func configure() -> TransferFailure? {
        let request = job.request
        let options = job.options
        var failed: CURLcode = CURLE_OK
        func check(_ code: CURLcode) { if code != CURLE_OK, failed == CURLE_OK { failed = code } }
        func set(_ option: CURLoption, _ value: Int) { check(pipeline_curl_setopt_long(easy, option, value)) }
        func set(_ option: CURLoption, _ value: String) { check(pipeline_curl_setopt_str(easy, option, value)) }

        set(CURLOPT_URL, request.url)
        set(CURLOPT_NOSIGNAL, 1)  // several threads: curl must not use signals for timeouts
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        // Redirects are followed by `HTTPClient.performFollowingRedirects`, which keeps every
        // credential header (not only Authorization) within its origin.
        set(CURLOPT_FOLLOWLOCATION, 0)
        set(CURLOPT_ACCEPT_ENCODING, "")  // offer every decoder curl has; decoding is transparent
        set(CURLOPT_USERAGENT, options.userAgent)
        set(CURLOPT_CONNECTTIMEOUT_MS, HTTPDate.curlMilliseconds(options.connectTimeout))
        set(CURLOPT_TIMEOUT_MS, HTTPDate.curlMilliseconds(options.timeout))
        set(CURLOPT_TCP_KEEPALIVE, 1)
        // Wait for a connection that may multiplex (HTTP/2) rather than open another one: fewer
        // TLS connections, less memory.
        set(CURLOPT_PIPEWAIT, 1)

        // Headers: "Name;" sends an empty value ("Name:" would delete the header), and an empty
        // "Expect:" stops curl from waiting for 100-continue before larger bodies.
        var list: UnsafeMutablePointer<curl_slist>?
        var sawExpect = false
        for (name, value) in request.headers {
            if HTTPHeaders.namesMatch(name, "expect") { sawExpect = true }
            list = curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if !sawExpect { list = curl_slist_append(list, "Expect:") }
        headerList = list
        check(pipeline_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, list))

        let method = request.method.uppercased()
        switch (method, request.body) {
        case ("GET", nil): set(CURLOPT_HTTPGET, 1)
        case ("HEAD", nil): set(CURLOPT_NOBODY, 1)
        case (_, let body):
            let bytes = body ?? []
            check(pipeline_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
            bytes.withUnsafeBytes { raw in
                // COPYPOSTFIELDS copies POSTFIELDSIZE bytes now, so `bytes` need not outlive this call.
                check(
                    pipeline_curl_setopt_ptr(
                        easy, CURLOPT_COPYPOSTFIELDS, raw.baseAddress ?? UnsafeRawPointer(errorBuffer)))
            }
            if method != "POST" { set(CURLOPT_CUSTOMREQUEST, method) }
        }

        let context = Unmanaged.passUnretained(self).toOpaque()
        check(pipeline_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        check(pipeline_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, context))
        check(pipeline_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, context))
        check(
            pipeline_curl_setopt_write(easy) { data, size, count, context in
                guard let data, let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            })
        check(
            pipeline_curl_setopt_header(easy) { data, size, count, context in
                guard let data, let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                // Returning 0 aborts the transfer (a Content-Length over the cap) before the body.
                return transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
            })

        guard failed == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(failed))
            return TransferFailure(kind: .invalidRequest("curl refused an option: \(reason)"), retryable: false)
        }
        return nil
    }

    /// Appends body bytes; returning less than `chunk.count` makes curl abort with CURLE_WRITE_ERROR,
    /// and `CURL_WRITEFUNC_PAUSE` pauses the transfer (curl hands the same bytes again once resumed).
    private func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Int {
        if mayPause == nil {
            var version = 0
            _ = pipeline_curl_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
            mayPause = version == Int(CURL_HTTP_VERSION_1_0) || version == Int(CURL_HTTP_VERSION_1_1)
        }
        guard mayPause == false || budget.take(chunk.count) else {
            isPaused = true
            return Int(CURL_WRITEFUNC_PAUSE)
        }
        guard received + chunk.count <= job.options.maxResponseBytes else {
            bodyLimitExceeded = true
            return 0
        }
        if received == 0, let selection = job.request.keeping, (200..<300).contains(status) {
            reducer = job.request.bodyFormat.reducer(keeping: selection)
        }
        received += chunk.count
        if reducer != nil {
            reducer?.consume(chunk)
        } else {
            body.append(contentsOf: chunk)
        }
        return chunk.count
    }

    /// One header line, CRLF included. A status line starts a new response (after a redirect
    /// or `100 Continue`), so only the last response's headers are kept.
    ///
    /// Returns false to refuse the answer: a `Content-Length` over `maxResponseBytes` on a
    /// response that has a body. Under the cap, the body's buffer is sized once from it.
    private func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) -> Bool {
        var line = Substring(String(decoding: raw, as: UTF8.self))
        while let last = line.last, last.isNewline { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers.add(name: name, value: value)
        // 1xx, 204, 304 and answers to HEAD carry no body, whatever their Content-Length says;
        // redirects' bodies are not kept.
        let hasBody = (200...299).contains(status) && status != 204 || status >= 400
        if hasBody, job.request.method.uppercased() != "HEAD", HTTPHeaders.namesMatch(name, "content-length"),
            let length = Int(value)
        {
            guard length <= job.options.maxResponseBytes else {
                bodyLimitExceeded = true
                declaredLength = length
                return false
            }
            // A body reduced as it arrives (`HTTPRequest.keeping`) needs no room for the whole.
            if body.isEmpty, job.request.keeping == nil || !(200..<300).contains(status) { body.reserveCapacity(length) }
        }
        return true
    }

    /// The attempt's result once curl reports it done with `code`.
    func result(_ code: CURLcode) -> Result<HTTPResponse, any Error> {
        if code == CURLE_WRITE_ERROR, bodyLimitExceeded {
            body = []
            let kind = HTTPError.Kind.responseTooLarge(limit: job.options.maxResponseBytes, declared: declaredLength)
            return .failure(TransferFailure(kind: kind, retryable: false))
        }
        guard code == CURLE_OK else {
            var osErrno = 0
            _ = pipeline_curl_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
            let failure = TransferFailure.classify(
                code, osErrno: Int32(truncatingIfNeeded: osErrno), detail: String(cString: errorBuffer),
                timeout: job.options.timeout, connectTimeout: job.options.connectTimeout)
            return .failure(failure)
        }
        var status = 0
        _ = pipeline_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var effective: UnsafeMutableRawPointer?
        _ = pipeline_curl_getinfo_ptr(easy, CURLINFO_EFFECTIVE_URL, &effective)
        let url = effective.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? job.request.url
        var response = HTTPResponse(status: status, headers: headers, body: body, url: url)
        body = []
        if var reducer {
            self.reducer = nil
            do throws(HTTPResponse.BodySyntaxError) {
                response.body = try reducer.reduced()
            } catch {
                response.bodyError = error
            }
        }
        return .success(response)
    }
}
