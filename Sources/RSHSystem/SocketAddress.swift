import CRSHSystem
import Glibc

/// Where a socket listens or connects: an IPv4 or IPv6 host and port, or a Unix-domain path.
public enum SocketAddress: Hashable, Sendable, CustomStringConvertible {
    case ipv4(host: String, port: UInt16)
    case ipv6(host: String, port: UInt16)
    /// A path in the file system (abstract-namespace names are refused).
    case unix(path: String)

    public var description: String {
        switch self {
        case .ipv4(let host, let port): return "\(host):\(port)"
        case .ipv6(let host, let port): return "[\(host)]:\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }

    public var port: UInt16? {
        switch self {
        case .ipv4(_, let port), .ipv6(_, let port): return port
        case .unix: return nil
        }
    }

    /// Whether only this machine can reach the address: 127.0.0.0/8, ::1, or a Unix socket.
    public var isLoopback: Bool {
        switch self {
        case .ipv4(let host, _): return host.hasPrefix("127.")
        case .ipv6(let host, _): return host == "::1"
        case .unix: return true
        }
    }

    /// The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`).
    var family: Int32 {
        switch self {
        case .ipv4: return AF_INET
        case .ipv6: return AF_INET6
        case .unix: return AF_UNIX
        }
    }

    /// Calls `body` with the C `sockaddr` for this address.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> Result) throws(Errno) -> Result {
        switch self {
        case .ipv4(let host, let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Errno.invalidArgument }
            return try Self.asSockaddr(&address, length: MemoryLayout<sockaddr_in>.size, body)
        case .ipv6(let host, let port):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw Errno.invalidArgument }
            return try Self.asSockaddr(&address, length: MemoryLayout<sockaddr_in6>.size, body)
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            // An empty path or a leading NUL would name the abstract namespace,
            // which has no permissions to check; a path must also fit with its NUL.
            guard !bytes.isEmpty, !bytes.contains(0), bytes.count < capacity else { throw Errno.nameTooLong }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + 1
            return try Self.asSockaddr(&address, length: length, body)
        }
    }

    /// Calls `body` with a family-specific address seen as the generic `sockaddr`.
    private static func asSockaddr<Address, Result>(_ address: inout Address, length: Int,
                                                    _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> Result) throws(Errno) -> Result {
        try withUnsafePointer(to: &address) { (pointer) throws(Errno) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) in
                try body(raw, socklen_t(length))
            }
        }
    }

    /// Reads a C `sockaddr` filled in by `accept(2)` or `getsockname(2)`.
    init(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            self = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin_addr
                    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                    inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
                    return .ipv4(host: String(decoding: text.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self),
                                 port: UInt16(bigEndian: pointer.pointee.sin_port))
                }
            }
        case AF_INET6:
            self = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin6_addr
                    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                    return .ipv6(host: String(decoding: text.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self),
                                 port: UInt16(bigEndian: pointer.pointee.sin6_port))
                }
            }
        default:
            // The peer of an unnamed Unix-domain client socket has no path.
            self = .unix(path: "")
        }
    }
}

/// Why `SocketAddress.lookUp` gave no address.
public enum AddressLookupError: Error, Equatable {
    /// Not `HOST:PORT`, `[V6HOST]:PORT`, `HOST` (with a default port) or `unix:PATH`.
    case malformed
    /// A well-formed host name that `getaddrinfo(3)` did not resolve, and
    /// its reason ("Name or service not known"): the host's fault, not the
    /// command line's, as ssh has it.
    case unresolved(host: String, reason: String)
}

extension SocketAddress {
    /// Parses `HOST:PORT`, `[V6HOST]:PORT`, `HOST` (with `defaultPort`) or `unix:PATH`.
    /// A host name other than a numeric address is resolved with `getaddrinfo(3)`.
    public static func parse(_ text: String, defaultPort: UInt16?) -> SocketAddress? {
        try? lookUp(text, defaultPort: defaultPort)
    }

    /// `parse`, saying why there is no address: the text is not an address,
    /// or its host name does not resolve.
    public static func lookUp(_ text: String, defaultPort: UInt16?) throws(AddressLookupError) -> SocketAddress {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw .malformed }
            return .unix(path: path)
        }
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .malformed }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .malformed }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let port: UInt16
        if let portText {
            guard let value = UInt16(portText) else { throw .malformed }
            port = value
        } else {
            guard let defaultPort else { throw .malformed }
            port = defaultPort
        }
        guard !host.isEmpty, isWellFormed(host: host) else { throw .malformed }
        return try resolve(host: String(host), port: port)
    }

    /// A host name (letters, digits, `-`, `.`, `_`), an IPv4 address, or an
    /// IPv6 address (with a `%zone` or not). Anything else (`alice@server`,
    /// `a:b:c`, a space) is not a host, and is not handed to the resolver:
    /// it is the command line's mistake, not the network's.
    private static func isWellFormed(host: Substring) -> Bool {
        if host.contains(":") {
            var probe = in6_addr()
            return inet_pton(AF_INET6, String(host.prefix { $0 != "%" }), &probe) == 1
        }
        return host.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        }
    }

    /// The first address `getaddrinfo(3)` gives for `host`, IPv4 preferred.
    static func resolve(host: String, port: UInt16) throws(AddressLookupError) -> SocketAddress {
        var probe = in6_addr()
        if inet_pton(AF_INET6, host, &probe) == 1 { return .ipv6(host: host, port: port) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no address"
                : status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw .unresolved(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var candidates: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: entry.pointee.ai_addr, count: Int(entry.pointee.ai_addrlen)))
            }
            switch SocketAddress(storage: storage) {
            case .ipv4(let numeric, _): candidates.append(.ipv4(host: numeric, port: port))
            case .ipv6(let numeric, _): candidates.append(.ipv6(host: numeric, port: port))
            case .unix: break
            }
            cursor = entry.pointee.ai_next
        }
        guard let best = candidates.first(where: { if case .ipv4 = $0 { return true } else { return false } }) ?? candidates.first else {
            throw .unresolved(host: host, reason: "no IPv4 or IPv6 address")
        }
        return best
    }
}
