import CRSHSystem
import Glibc

/// An open file descriptor. A plain value: whoever created it closes it.
public struct FileDescriptor: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    public var description: String { "fd \(rawValue)" }

    /// `read(2)`. Returns 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// `read(2)` on a non-blocking descriptor: `nil` when nothing is ready (`EAGAIN`), 0 at end of file.
    public func tryRead(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int? {
        do { return try read(into: buffer) } catch .wouldBlock { return nil }
    }

    /// `write(2)`: may write less than asked.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.write(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// `write(2)` on a non-blocking descriptor: `nil` when it would block.
    public func tryWrite(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int? {
        do { return try write(buffer) } catch .wouldBlock { return nil }
    }

    /// Writes every byte, looping over short writes (OpenSSH's `atomicio`). For blocking descriptors.
    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < buffer.count {
            let written = try write(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            offset += written
        }
    }

    public func writeAll(_ bytes: some Sequence<UInt8>) throws(Errno) {
        try Array(bytes).withUnsafeBytes { buffer in Result { () throws(Errno) in try writeAll(buffer) } }.get()
    }

    /// `close(2)`, never retried: Linux frees the number even when it reports `EINTR`.
    public func close() throws(Errno) {
        _ = try once { Glibc.close(rawValue) }
    }

    /// Closes and ignores the result: for teardown paths, where the only
    /// possible failure (`EIO` from some file systems) leaves nothing to do.
    public func closeAfterUse() {
        _ = Glibc.close(rawValue)
    }

    /// Sets or clears `O_NONBLOCK` (`ioctl(2)` `FIONBIO`: one call where `fcntl` takes two).
    public func setNonBlocking(_ nonBlocking: Bool = true) throws(Errno) {
        _ = try retryingInterrupts { crsh_set_nonblocking(rawValue, nonBlocking ? 1 : 0) }
    }

    /// A second descriptor for the same open file, close-on-exec
    /// (`fcntl(F_DUPFD_CLOEXEC)`); it shares the file's status flags, `O_NONBLOCK` included.
    public func duplicate() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingInterrupts { fcntl(rawValue, F_DUPFD_CLOEXEC, Int32(3)) })
    }

    /// Whether the descriptor is a terminal (`isatty(3)`).
    public var isTerminal: Bool { isatty(rawValue) == 1 }

    /// Whether the number names an open descriptor (`fcntl(F_GETFD)`).
    public var isOpen: Bool { fcntl(rawValue, F_GETFD) != -1 }
}

extension FileDescriptor {
    /// A pipe whose two ends are close-on-exec (`pipe2(O_CLOEXEC)`).
    public static func pipe() throws(Errno) -> (readEnd: FileDescriptor, writeEnd: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        _ = try retryingInterrupts { fds.withUnsafeMutableBufferPointer { crsh_pipe2_cloexec($0.baseAddress) } }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }
}
