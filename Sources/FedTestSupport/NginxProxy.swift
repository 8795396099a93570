import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An nginx reverse proxy with TLS and bearer-token checks in front of a server, as an OpenShift
/// route with oauth-proxy or kube-rbac-proxy stands in front of the Thanos querier.
///
/// It answers 401 with an HTML page ("401 Unauthorized") unless the request carries
/// `Authorization: Bearer <token>`, 403 with an HTML page for `Bearer <forbiddenToken>` (a valid
/// user without the role), and proxies everything else to `upstream`. With `refusePOST` it
/// answers every authorised POST with that status and no JSON, as kube-rbac-proxy (403, POST is
/// the `create` verb) or a route that allows GET only (405) does. The certificate is signed
/// by a throwaway CA (``caFile``) and names `IP:127.0.0.1` and `DNS:localhost`.
package final class NginxProxy: Sendable {
    /// `https://127.0.0.1:<port>`, without a trailing slash.
    package let url: String
    package let port: Int
    /// The CA certificate (PEM) a client must trust.
    package let caFile: String
    /// The token that is let through.
    package let token: String
    /// A token that is recognised but refused with 403.
    package let forbiddenToken: String
    package let errorLogPath: String
    /// One line per request: `"<method> <target> <protocol>" <status>`.
    package let accessLogPath: String
    private let child: ManagedProcess

    /// Throws ``TestBedError/toolMissing(tool:install:)`` when nginx or openssl is missing.
    package static func require() throws {
        _ = try Tools.require("nginx", package: "nginx-light")
        _ = try Tools.require("openssl", package: "openssl")
    }

    /// Makes the CA and certificate, writes the configuration into a fresh folder under
    /// `workDirectory` (default: the system temporary folder), starts nginx and waits until it
    /// accepts connections. `refusePOST` is 403 or 405, or nil to let POST through.
    package init(
        upstream: String, token: String? = nil, refusePOST: Int? = nil, workDirectory: String? = nil, timeout: Double = 15
    ) throws {
        let nginx = try Tools.require("nginx", package: "nginx-light")
        let openssl = try Tools.require("openssl", package: "openssl")
        let base = workDirectory ?? NSTemporaryDirectory()
        let prefix = (base as NSString).appendingPathComponent("nginx-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (prefix as NSString).appendingPathComponent(name) }

        self.token = token ?? Self.randomToken()
        forbiddenToken = Self.randomToken()
        caFile = path("ca.crt")
        try Self.makeCertificates(openssl: openssl, folder: prefix)

        var lastError: Error?
        errorLogPath = path("error.log")
        accessLogPath = path("access.log")
        for _ in 0..<3 {
            let port = try Loopback.freePort()
            let conf = Self.configuration(
                prefix: prefix, port: port, upstream: upstream, token: self.token, forbiddenToken: forbiddenToken,
                refusePOST: refusePOST)
            try conf.write(toFile: path("nginx.conf"), atomically: true, encoding: .utf8)
            let child = try ManagedProcess(
                executable: nginx, arguments: ["-p", prefix, "-c", path("nginx.conf"), "-e", errorLogPath],
                logPath: path("nginx.out"))
            let deadline = Date().addingTimeInterval(timeout)
            var ready = false
            while Date() < deadline, child.isRunning {
                if Loopback.isListening(port: port) {
                    ready = true
                    break
                }
                usleep(50_000)
            }
            let url = "https://127.0.0.1:\(port)"
            if ready {
                self.url = url
                self.port = port
                self.child = child
                return
            }
            child.stop()
            let log = Tools.tail(file: errorLogPath) + "\n" + Tools.tail(file: path("nginx.out"))
            lastError = TestBedError.serverNotReady(server: "nginx", url: url, waited: timeout, log: log)
            if !log.contains("Address already in use") { break }
        }
        throw lastError!
    }

    /// Stops nginx: SIGTERM, then SIGKILL after 5 s. Safe to call more than once.
    package func stop() { child.stop() }

    private static func randomToken() -> String {
        (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
    }

    private static func makeCertificates(openssl: String, folder: String) throws {
        let ext = """
            subjectAltName=IP:127.0.0.1,DNS:localhost
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth

            """
        try ext.write(toFile: (folder as NSString).appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Tools.run(
            openssl,
            ["req", "-x509"] + ec + [
                "-keyout", "ca.key", "-out", "ca.crt", "-days", "7", "-subj", "/CN=fedreport test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: folder)
        try Tools.run(openssl, ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], in: folder)
        try Tools.run(
            openssl,
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "7", "-extfile", "server.ext",
            ], in: folder)
    }

    private static func configuration(
        prefix: String, port: Int, upstream: String, token: String, forbiddenToken: String, refusePOST: Int?
    ) -> String {
        // Running as root, workers would otherwise switch to nobody and lose access to the
        // private temporary folders.
        let user = geteuid() == 0 ? "user root;\n" : ""
        // After the token checks, as kube-rbac-proxy authenticates before it authorises the verb.
        var methodCheck = ""
        switch refusePOST {
        case 403?:
            // kube-rbac-proxy's words, as plain text.
            let text = "Forbidden (user=system:serviceaccount:fedreport:collector, verb=create, resource=, subresource=)"
            methodCheck = #"if ($request_method = POST) { return 403 "\#(text)\n"; }"#
        case let status?:
            methodCheck = "if ($request_method = POST) { return \(status); }"
        case nil:
            break
        }
        return """
            \(user)daemon off;
            master_process on;
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 256; }
            http {
                log_format fedtest '"$request" $status';
                access_log \(prefix)/access.log fedtest;
                client_body_temp_path \(prefix)/client_body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                map_hash_bucket_size 256;
                map $http_authorization $fedtest_auth {
                    default 401;
                    "Bearer \(token)" 200;
                    "Bearer \(forbiddenToken)" 403;
                }
                server {
                    listen 127.0.0.1:\(port) ssl;
                    server_name localhost;
                    ssl_certificate \(prefix)/server.crt;
                    ssl_certificate_key \(prefix)/server.key;
                    default_type text/html;
                    location / {
                        if ($fedtest_auth = 401) {
                            return 401 "<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>\\n";
                        }
                        if ($fedtest_auth = 403) {
                            return 403 "<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>\\n";
                        }
                        \(methodCheck)
                        proxy_pass \(upstream);
                        proxy_set_header Authorization "";
                        proxy_read_timeout 300s;
                    }
                }
            }

            """
    }
}
