import CRSHSystem
import Glibc
import RSHProtocol

extension FileDescriptor {
    /// Waits until the file's data and metadata are on the disk (`fsync(2)`):
    /// a rename after it never makes a name point to data the disk lacks.
    public func synchronize() throws(Errno) {
        _ = try retryingInterrupts { fsync(rawValue) }
    }

    /// Starts writing the file's changed pages in `offset ..< offset +
    /// length` to the disk and returns without waiting for them
    /// (`sync_file_range(2)`, `SYNC_FILE_RANGE_WRITE`): a later `synchronize`
    /// has only what came after to wait for. Not a promise of anything on
    /// its own: it flushes neither metadata nor the disk's cache.
    public func startWriteback(offset: Int64, length: Int64) throws(Errno) {
        _ = try retryingInterrupts { crsh_start_writeback(rawValue, off_t(offset), off_t(length)) }
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
