import Glibc

/// What `stat(2)` says about a file that matters here.
public struct FileStatus: Sendable {
    /// The permission bits (`st_mode & 0o7777`).
    public let permissions: UInt32
    public let isRegularFile: Bool
    public let isSocket: Bool
    public let owner: UInt32
    /// Together, what makes the file this file, whatever path leads to it.
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    /// The last modification, in nanoseconds since the epoch.
    public let modificationTime: Int64
    public let isDirectory: Bool

    public init(path: String) throws(Errno) {
        var info = stat()
        _ = try retryingInterrupts { stat(path, &info) }
        self.init(info)
    }

    /// `fstat(2)`; a descriptor opened with `O_PATH` will do.
    public init(descriptor: FileDescriptor) throws(Errno) {
        var info = stat()
        _ = try retryingInterrupts { fstat(descriptor.rawValue, &info) }
        self.init(info)
    }

    private init(_ info: stat) {
        permissions = UInt32(info.st_mode) & 0o7777
        isRegularFile = info.st_mode & S_IFMT == S_IFREG
        isSocket = info.st_mode & S_IFMT == S_IFSOCK
        owner = info.st_uid
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        isDirectory = info.st_mode & S_IFMT == S_IFDIR
    }

    /// Whether both describe the same file (device and inode number).
    public func isSameFile(as other: FileStatus) -> Bool {
        device == other.device && inode == other.inode
    }
}
