import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for download tests: serves fixed bodies by path, a body cut short
/// of its Content-Length, or an error status. Nothing leaves the machine.
final class LocalHTTPServer: @unchecked Sendable {
    enum Reply {
        case body(Data)
        /// Declares the whole body's length but sends only `sent` bytes, then closes.
        case truncated(Data, sent: Int)
        case status(Int)
    }

    let port: UInt16
    private let socketFD: Int32
    private let routes: [String: Reply]
    private let lock = NSLock()
    private var paths: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    /// The paths requested so far, in order.
    var requested: [String] { lock.lock(); defer { lock.unlock() }; return paths }

    init(routes: [String: Reply]) throws {
        self.routes = routes
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        socketFD = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 { break }
            handle(client)
            close(client)
        }
        finished.signal()
    }

    private func handle(_ client: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { return }
            request += buffer[0..<n]
        }
        let words = String(decoding: request, as: UTF8.self).split(separator: " ")
        let path = words.count > 1 ? String(words[1]) : "/"
        lock.lock(); paths.append(path); lock.unlock()
        func send(_ data: Data) {
            data.withUnsafeBytes { p in
                var offset = 0
                while offset < p.count {
                    let n = Glibc.send(client, p.baseAddress! + offset, p.count - offset, Int32(MSG_NOSIGNAL))
                    if n <= 0 { return }
                    offset += n
                }
            }
        }
        func head(_ status: String, length: Int) -> Data {
            Data("HTTP/1.1 \(status)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n".utf8)
        }
        switch routes[path] {
        case .body(let body)?:
            send(head("200 OK", length: body.count) + body)
        case .truncated(let body, let sent)?:
            send(head("200 OK", length: body.count) + body.prefix(sent))
        case .status(let code)?:
            send(head("\(code) Error", length: 0))
        case nil:
            send(head("404 Not Found", length: 0))
        }
    }

    /// Stops accepting; later connections to the port are refused.
    func stop() {
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
        finished.wait()
    }
}
