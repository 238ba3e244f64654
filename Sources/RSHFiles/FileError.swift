import RSHProtocol
import RSHSystem

/// Why a file could not be read, written or changed: the protocol's error
/// code for it (PROTOCOL.md, section 11), the path, and what went wrong, as
/// `rsh` prints it and `rshd` sends it.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var path: String
    /// "Permission denied", "is a FIFO", "its SHA-256 is ..., not ...".
    public var reason: String

    public init(_ code: ErrorCode, _ path: String, _ reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    /// A failed call on `path`, named by its errno.
    public init(_ errno: Errno, _ path: String) {
        self.init(Self.code(for: errno), path, errno.description)
    }

    public var description: String { "\(path): \(reason)" }

    /// The error code of a failed call.
    static func code(for errno: Errno) -> ErrorCode {
        switch errno {
        case .noSuchFile: return .noSuchFile
        case .notDirectory: return .notDirectory
        case .isDirectory: return .isDirectory
        case .permissionDenied, .notPermitted, .readOnlyFileSystem: return .permissionDenied
        case .noSpace, .quotaExceeded, .fileTooLarge: return .noSpace
        default: return .fileFailed
        }
    }
}
