import CRSHSystem
import Glibc

/// The socket calls used by the server and the client. Every socket is
/// created close-on-exec, so a spawned command never inherits a connection.
extension FileDescriptor {
    /// `socket(2)` + `bind(2)` + `listen(2)`. TCP sockets get `SO_REUSEADDR`
    /// (a restarted server must not wait out TIME_WAIT); a Unix socket is
    /// created with the permission bits `unixMode`.
    public static func listeningSocket(at address: SocketAddress, backlog: Int32 = 1024,
                                       unixMode: mode_t = 0o600) throws(Errno) -> FileDescriptor {
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = FileDescriptor(rawValue: try retryingInterrupts { socket(address.family, socketType, 0) })
        do {
            if case .unix = address {
                // umask(2) is per process; the bind below is the only file this
                // server creates, and it is created before any thread exists.
                let old = umask(~unixMode & 0o777)
                defer { umask(old) }
                try address.withSockaddr { (pointer, length) throws(Errno) in
                    _ = try retryingInterrupts { bind(fd.rawValue, pointer, length) }
                }
            } else {
                try fd.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
                try address.withSockaddr { (pointer, length) throws(Errno) in
                    _ = try retryingInterrupts { bind(fd.rawValue, pointer, length) }
                }
            }
            _ = try retryingInterrupts { Glibc.listen(fd.rawValue, backlog) }
            return fd
        } catch {
            fd.closeAfterUse()
            throw error
        }
    }

    /// A blocking `connect(2)` to `address`. TCP sockets get `TCP_NODELAY`.
    public static func connectedSocket(to address: SocketAddress) throws(Errno) -> FileDescriptor {
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = FileDescriptor(rawValue: try retryingInterrupts { socket(address.family, socketType, 0) })
        do {
            try address.withSockaddr { (pointer, length) throws(Errno) in
                // A connect(2) interrupted by a signal goes on in the background;
                // calling it again would fail with EALREADY, so wait for it instead.
                if Glibc.connect(fd.rawValue, pointer, length) == -1 {
                    let error = Errno.current
                    guard error == .interrupted else { throw error }
                    _ = try fd.poll(for: .writable, timeoutMilliseconds: -1)
                    let pending = try fd.pendingSocketError()
                    if pending.rawValue != 0 { throw pending }
                }
            }
            if case .unix = address {} else { try fd.setNoDelay() }
            return fd
        } catch {
            fd.closeAfterUse()
            throw error
        }
    }

    /// A non-blocking socket whose `connect(2)` to `address` has begun (or,
    /// on loopback, often already finished): wait until it is writable, then
    /// ask `connectionError()`. TCP sockets get `TCP_NODELAY`. For a client
    /// that connects to many hosts at once from one thread.
    public static func connectingSocket(to address: SocketAddress) throws(Errno) -> FileDescriptor {
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = FileDescriptor(rawValue: try retryingInterrupts { socket(address.family, socketType, 0) })
        do {
            try address.withSockaddr { (pointer, length) throws(Errno) in
                // EINPROGRESS: under way. EINTR: also under way (connect(2) goes on
                // in the background and must not be called again).
                if Glibc.connect(fd.rawValue, pointer, length) == -1 {
                    let error = Errno.current
                    guard error == .inProgress || error == .interrupted else { throw error }
                }
            }
            if case .unix = address {} else { try fd.setNoDelay() }
            return fd
        } catch {
            fd.closeAfterUse()
            throw error
        }
    }

    /// A `connect(2)` to `address` that gives up after `timeout` with
    /// `ETIMEDOUT`; the socket it returns is blocking again, as
    /// `connectedSocket`'s. Without a timeout, the kernel's own applies.
    public static func connectedSocket(to address: SocketAddress, timeout: Duration?) throws(Errno) -> FileDescriptor {
        guard let timeout else { return try connectedSocket(to: address) }
        let fd = try connectingSocket(to: address)
        do throws(Errno) {
            guard try !fd.poll(for: .writable, timeoutMilliseconds: pollTimeout(until: .now + timeout)).isEmpty else {
                throw .timedOut
            }
            if let error = try fd.connectionError() { throw error }
            try fd.setNonBlocking(false)
            return fd
        } catch {
            fd.closeAfterUse()
            throw error
        }
    }

    /// Once a `connectingSocket` is writable: `nil` if it connected, else why not (`SO_ERROR`).
    public func connectionError() throws(Errno) -> Errno? {
        let pending = try pendingSocketError()
        return pending.rawValue == 0 ? nil : pending
    }

    /// `accept4(2)` of one pending connection, close-on-exec and non-blocking;
    /// `nil` when none is waiting.
    public func acceptConnection() throws(Errno) -> (FileDescriptor, SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted: Int32
        do {
            accepted = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(Errno) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) in
                    try retryingInterrupts { crsh_accept4_cloexec_nonblock(rawValue, raw, &length) }
                }
            }
        } catch .wouldBlock {
            return nil
        }
        return (FileDescriptor(rawValue: accepted), SocketAddress(storage: storage))
    }

    /// `send(2)` with `MSG_NOSIGNAL`: a peer that went away is an `EPIPE`, never a `SIGPIPE`.
    public func send(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.send(rawValue, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// `send(2)` on a non-blocking socket: `nil` when it would block.
    public func trySend(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int? {
        do { return try send(buffer) } catch .wouldBlock { return nil }
    }

    /// Sends every byte, waiting in `poll(2)` when the socket is non-blocking and full.
    public func sendAll(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < buffer.count {
            if let sent = try trySend(UnsafeRawBufferPointer(rebasing: buffer[offset...])) {
                offset += sent
            } else {
                _ = try poll(for: .writable, timeoutMilliseconds: -1)
            }
        }
    }

    public func sendAll(_ bytes: [UInt8]) throws(Errno) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(Errno) in try sendAll(buffer) } }.get()
    }

    /// `shutdown(SHUT_WR)`: tells the peer no more bytes are coming.
    public func shutdownWriting() throws(Errno) {
        _ = try retryingInterrupts { Glibc.shutdown(rawValue, Int32(SHUT_WR)) }
    }

    /// `SO_LINGER` with a zero timeout: the next `close` resets the connection (RST).
    public func setResetOnClose() throws(Errno) {
        var value = linger(l_onoff: 1, l_linger: 0)
        _ = try retryingInterrupts {
            setsockopt(rawValue, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size))
        }
    }

    /// `TCP_NODELAY`: frames are written whole, so Nagle's delay only adds latency.
    public func setNoDelay() throws(Errno) {
        try setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    /// `SO_SNDBUF`/`SO_RCVBUF` (the kernel doubles the value it is given; see socket(7)).
    public func setBufferSizes(send: Int32? = nil, receive: Int32? = nil) throws(Errno) {
        if let send { try setOption(SOL_SOCKET, SO_SNDBUF, send) }
        if let receive { try setOption(SOL_SOCKET, SO_RCVBUF, receive) }
    }

    /// `getsockname(2)`: the bound address (the real port after binding port 0).
    public func localAddress() throws(Errno) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(Errno) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) in
                try retryingInterrupts { getsockname(rawValue, raw, &length) }
            }
        }
        return SocketAddress(storage: storage)
    }

    /// The peer's credentials on a Unix-domain socket (`SO_PEERCRED`, unix(7)).
    public func peerCredentials() throws(Errno) -> (pid: Int32, uid: UInt32, gid: UInt32) {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        _ = try retryingInterrupts { crsh_peer_credentials(rawValue, &pid, &uid, &gid) }
        return (pid, uid, gid)
    }

    /// The uid that owns the other end of an accepted TCP connection from
    /// this machine (a sock_diag query for the connecting socket); `noSuchFile`
    /// when no open socket of this machine is that end.
    public func tcpPeerOwner() throws(Errno) -> UInt32 {
        var uid: uid_t = 0
        _ = try retryingInterrupts { crsh_tcp_peer_owner(rawValue, &uid) }
        return uid
    }

    /// `SO_ERROR`: the result of a connect that finished in the background.
    func pendingSocketError() throws(Errno) -> Errno {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retryingInterrupts { getsockopt(rawValue, SOL_SOCKET, SO_ERROR, &value, &length) }
        return Errno(rawValue: value)
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(Errno) {
        var value = value
        _ = try retryingInterrupts {
            setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }
}
