import CCurl
import FedCore
import Foundation

/// libcurl is initialised once per process, before any handle exists.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// What a request to a server sends besides its URL and body: the connection settings (TLS,
/// extra headers, timeouts; read as the options' own, `options.timeout`), a bearer token and
/// whether to ask for gzip. The querier's connection is `querier.*` of the configuration; a
/// webhook's starts from the querier's timeouts alone.
@dynamicMemberLookup
package struct TransportOptions: Sendable {
    package var connection = Configuration.Connection()
    package var bearerToken: String?
    /// Ask for gzip-compressed answers.
    package var gzip = true

    package init() {}

    package init(connection: Configuration.Connection, bearerToken: String?, gzip: Bool) {
        self.connection = connection
        self.bearerToken = bearerToken
        self.gzip = gzip
    }

    package subscript<T>(dynamicMember path: WritableKeyPath<Configuration.Connection, T>) -> T {
        get { connection[keyPath: path] }
        set { connection[keyPath: path] = newValue }
    }
}

/// The outcome of one HTTP exchange whose body went to a consumer.
struct HTTPResponse {
    var status: Int
    var contentType: String?
    var retryAfter: String?
    /// The first bytes of a body that was not handed to the consumer (an error page).
    var snippet: [UInt8]
    var bodyBytes: Int
    var httpVersion: Int
}

/// A transport-level failure: the exchange did not complete.
struct TransportFailure: Error {
    var code: Int
    var message: String
    var bytesReceived: Int
    var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }
    /// Failures a retry may cure: refused, reset, dropped, DNS hiccups. A body shorter than its
    /// Content-Length is not among them: that is reported, never silently retried.
    var isRetryable: Bool {
        let retryable: [CURLcode] = [
            CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM,
        ]
        return retryable.contains { Int($0.rawValue) == code }
    }
}

/// One libcurl easy handle. Not thread-safe: each worker thread uses its own.
final class CurlHandle {
    private let handle: UnsafeMutableRawPointer
    /// libcurl keeps this pointer between calls, so it is a stable allocation, not an array.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        guard curlGlobalInit == CURLE_OK, let h = curl_easy_init() else {
            throw TransportFailure(code: -1, message: "libcurl could not be initialised", bytesReceived: 0)
        }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs one request. A POST sends `body` as `contentType`. `consume` receives body bytes
    /// when `accept(status, contentType)` says so; otherwise up to 8 KiB of the body are kept as a
    /// snippet. A throw from `consume` aborts the transfer and is rethrown.
    func perform(
        url: String, method: String, body: [UInt8]?, contentType: String = "application/x-www-form-urlencoded", options: TransportOptions,
        accept: @escaping (Int, String?) -> Bool, consume: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws -> HTTPResponse {
        curl_easy_reset(handle)
        let context = TransferContext(accept: accept, consume: consume, handle: handle)
        let box = Unmanaged.passRetained(context)
        defer { box.release() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        try check(fed_curl_setopt_string(handle, CURLOPT_URL, url), "URL")
        try check(fed_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(fed_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        if options.gzip {
            // "" offers every encoding libcurl can decode (gzip, deflate, and more where built in).
            try check(fed_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""), "ACCEPT_ENCODING")
        }
        try check(fed_curl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)), "HTTP_VERSION")
        try check(fed_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout.milliseconds)), "CONNECTTIMEOUT")
        try check(fed_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(options.timeout.milliseconds)), "TIMEOUT")
        try check(fed_curl_setopt_string(handle, CURLOPT_USERAGENT, "fedreport/\(fedreportVersion)"), "USERAGENT")
        // libcurl reads HTTPS_PROXY, https_proxy, http_proxy, ALL_PROXY and NO_PROXY itself.
        if let ca = options.caFile { try check(fed_curl_setopt_string(handle, CURLOPT_CAINFO, ca), "CAINFO") }
        if let cert = options.clientCertFile {
            try check(fed_curl_setopt_string(handle, CURLOPT_SSLCERT, cert), "SSLCERT")
        }
        if let key = options.clientKeyFile { try check(fed_curl_setopt_string(handle, CURLOPT_SSLKEY, key), "SSLKEY") }
        if options.insecureSkipTLSVerify {
            try check(fed_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0), "SSL_VERIFYPEER")
            try check(fed_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0), "SSL_VERIFYHOST")
        }
        var headers = ["Accept: application/json"]
        if method == "POST" { headers.append("Content-Type: \(contentType)") }
        for (name, value) in options.headers.sorted(by: { $0.key < $1.key }) { headers.append("\(name): \(value)") }
        if let token = options.bearerToken { headers.append("Authorization: Bearer \(token)") }
        for h in headers { headerList = curl_slist_append(headerList, h) }
        try check(fed_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")
        if method == "POST" {
            let payload = body ?? []
            try check(fed_curl_setopt_long(handle, CURLOPT_POST, 1), "POST")
            try check(fed_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)), "POSTFIELDSIZE")
            try payload.withUnsafeBufferPointer { p in
                // COPYPOSTFIELDS copies, so the buffer need not outlive this call.
                try check(
                    fed_curl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: p.baseAddress ?? UnsafePointer(bitPattern: 1)!)),
                    "COPYPOSTFIELDS")
            }
        } else {
            try check(fed_curl_setopt_long(handle, CURLOPT_HTTPGET, 1), "HTTPGET")
        }
        try check(fed_curl_setopt_write_function(handle, curlWrite), "WRITEFUNCTION")
        try check(fed_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, box.toOpaque()), "WRITEDATA")
        try check(fed_curl_setopt_header_function(handle, curlHeader), "HEADERFUNCTION")
        try check(fed_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, box.toOpaque()), "HEADERDATA")

        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        if let failure = context.failure { throw failure }
        if code != CURLE_OK {
            let detail = String(cString: UnsafePointer(errorBuffer))
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw TransportFailure(code: Int(code.rawValue), message: message, bytesReceived: context.bodyBytes)
        }
        var status = 0
        _ = fed_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = fed_curl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        return HTTPResponse(
            status: status, contentType: context.contentType, retryAfter: context.retryAfter,
            snippet: context.snippet, bodyBytes: context.bodyBytes, httpVersion: version)
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        if code != CURLE_OK {
            throw TransportFailure(
                code: Int(code.rawValue),
                message: "libcurl refused option \(what): \(String(cString: curl_easy_strerror(code)))", bytesReceived: 0)
        }
    }
}

/// State shared with the C callbacks of one transfer.
private final class TransferContext {
    let accept: (Int, String?) -> Bool
    let consume: (UnsafeRawBufferPointer) throws -> Void
    let handle: UnsafeMutableRawPointer
    var contentType: String?
    var retryAfter: String?
    var decided = false
    var streaming = false
    var snippet: [UInt8] = []
    var bodyBytes = 0
    var failure: (any Error)?

    init(
        accept: @escaping (Int, String?) -> Bool, consume: @escaping (UnsafeRawBufferPointer) throws -> Void,
        handle: UnsafeMutableRawPointer
    ) {
        self.accept = accept
        self.consume = consume
        self.handle = handle
    }
}

private func curlWrite(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let ptr else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    if !context.decided {
        var status = 0
        _ = fed_curl_getinfo_long(context.handle, CURLINFO_RESPONSE_CODE, &status)
        context.streaming = context.accept(status, context.contentType)
        context.decided = true
    }
    context.bodyBytes += length
    let bytes = UnsafeRawBufferPointer(start: ptr, count: length)
    if context.streaming {
        do {
            try context.consume(bytes)
        } catch {
            context.failure = error
            return 0  // aborts the transfer with CURLE_WRITE_ERROR
        }
    } else if context.snippet.count < 8192 {
        context.snippet.append(contentsOf: bytes.prefix(8192 - context.snippet.count))
    }
    return length
}

private func curlHeader(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let ptr else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        // A new response (after 100 Continue or a redirect): forget the previous headers.
        context.contentType = nil
        context.retryAfter = nil
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        if name == "content-type" { context.contentType = value }
        if name == "retry-after" { context.retryAfter = value }
    }
    return length
}
