import CRSHSystem
import Glibc
import RSHProtocol

extension FileDescriptor {
    /// Waits until the file's data and metadata are on the disk (`fsync(2)`):
    /// a rename after it never makes a name point to data the disk lacks.
    public func synchronize() throws(Errno) {
        _ = try retryingInterrupts { fsync(rawValue) }
    }

    /// Moves the file offset `count` bytes on without writing (`lseek(2)`,
    /// `SEEK_CUR`): what is skipped past the end becomes a hole once a
    /// later write or `setSize` extends the file over it.
    public func skip(_ count: Int64) throws(Errno) {
        _ = try retryingInterrupts { lseek(rawValue, off_t(count), SEEK_CUR) }
    }

    /// Sets the file's size (`ftruncate(2)`): a file extended ends in a hole.
    public func setSize(_ size: Int64) throws(Errno) {
        _ = try retryingInterrupts { ftruncate(rawValue, off_t(size)) }
    }

    /// Sets the permission bits (`fchmod(2)`), exactly: the umask plays no part.
    public func setPermissions(_ permissions: UInt32) throws(Errno) {
        _ = try retryingInterrupts { fchmod(rawValue, mode_t(permissions)) }
    }

    /// Sets the modification time and leaves the access time (`futimens(2)`).
    public func setModificationTime(_ time: FileTime) throws(Errno) {
        var times = [timespec(tv_sec: 0, tv_nsec: crsh_UTIME_OMIT), timespec(time)]
        _ = try retryingInterrupts { futimens(rawValue, &times) }
    }
}

extension timespec {
    init(_ time: FileTime) {
        self.init(tv_sec: Int(time.seconds), tv_nsec: Int(time.nanoseconds))
    }
}
