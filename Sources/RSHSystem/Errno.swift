import Glibc

/// An error number from a failed system call (`errno(3)`).
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`. Read it only right after the call that set it.
    static var current: Errno { Errno(rawValue: Glibc.errno) }

    public var description: String {
        guard let text = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: text)
    }

    public static let interrupted = Errno(rawValue: EINTR)
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let noSuchFile = Errno(rawValue: ENOENT)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let notPermitted = Errno(rawValue: EPERM)
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    public static let execFormat = Errno(rawValue: ENOEXEC)
    /// The file is open for writing, so it cannot be executed.
    public static let textFileBusy = Errno(rawValue: ETXTBSY)
    public static let tooManySymbolicLinks = Errno(rawValue: ELOOP)
    public static let nameTooLong = Errno(rawValue: ENAMETOOLONG)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    public static let outOfMemory = Errno(rawValue: ENOMEM)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let badDescriptor = Errno(rawValue: EBADF)
    public static let noChild = Errno(rawValue: ECHILD)
    public static let isDirectory = Errno(rawValue: EISDIR)
    public static let notConnected = Errno(rawValue: ENOTCONN)
    public static let protocolError = Errno(rawValue: EPROTO)
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    public static let noSpace = Errno(rawValue: ENOSPC)
    public static let quotaExceeded = Errno(rawValue: EDQUOT)
    public static let fileTooLarge = Errno(rawValue: EFBIG)
}
