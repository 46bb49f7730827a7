import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection to a local server that sends exactly the bytes it is given: for requests no HTTP client
/// would send (broken framing, oversized heads, a body that drips).
final class RawConnection: Sendable {
    private let socket: Int32

    /// Connects to `127.0.0.1:port`; reads wait at most `readTimeout`.
    init(port: Int, readTimeout: Duration = .seconds(10)) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw FaultSuiteError("socket() failed") }
        var timeout = timeval(tv_sec: Int(readTimeout.components.seconds), tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // No close() here: a class whose stored properties are all set runs its deinit even when its init
        // throws, and closing twice could close a descriptor another thread has opened meanwhile.
        guard connected == 0 else { throw FaultSuiteError("connect() to port \(port) failed") }
    }

    /// Sends `bytes`; `false` once the server has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Sends `text` as UTF-8.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Says the request is complete: no more bytes will come.
    func finishSending() { shutdown(socket, Int32(SHUT_WR)) }

    /// Everything the server sends until it closes the connection (or the read timeout passes).
    func readUntilClosed() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    deinit { close(socket) }
}

/// A raw HTTP/1.1 response: its status, headers (lower-cased names) and body.
struct RawResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    /// The first response in `text`; `nil` when there is none.
    init?(_ text: String) {
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        self.status = status
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        self.headers = headers
        body = String(text[split.upperBound...])
    }

    /// The body's problem `type`, when the body is a problem.
    var problemType: String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["type"] as? String
    }
}
