import Glibc

/// The entries of one directory, read a few at a time (`fdopendir(3)`,
/// `readdir(3)`), so a directory of millions of names costs no more memory
/// than one of ten. The directory's descriptor stays open for `fstatat`
/// and `readlinkat` of its names.
public final class DirectoryStream {
    private var stream: OpaquePointer?
    /// The directory, for `FileStatus(linkAt:in:)` and `linkTarget(of:)`.
    public let descriptor: FileDescriptor

    /// Opens the directory `path` names (following links), close-on-exec.
    public init(_ path: String) throws(Errno) {
        let fd = try FileDescriptor.open(path, .readOnly, options: [.directory, .noControllingTerminal])
        guard let stream = fdopendir(fd.rawValue) else {
            let error = Errno(rawValue: Glibc.errno)
            fd.closeAfterUse()
            throw error
        }
        self.stream = stream
        descriptor = fd
    }

    deinit { close() }

    /// The next name, as the bytes the directory holds (not always UTF-8),
    /// without "." and ".."; `nil` at the end.
    public func next() throws(Errno) -> [UInt8]? {
        guard let stream else { return nil }
        while true {
            // readdir(3) returns NULL at the end and on an error; only errno tells them apart.
            Glibc.errno = 0
            guard let entry = readdir(stream) else {
                if Glibc.errno != 0 { throw Errno(rawValue: Glibc.errno) }
                return nil
            }
            let name = Array(entryName(entry))
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            return name
        }
    }

    /// Closes the directory (and its descriptor); `next` returns `nil` from then on.
    public func close() {
        guard let stream else { return }
        closedir(stream)
        self.stream = nil
    }
}

/// The name of a `readdir(3)` entry, read in place. An entry is only as long
/// as its name (`d_reclen`), not `sizeof(struct dirent)`: `entry.pointee`
/// would copy the whole struct, reading past the end of the last entry of
/// glibc's buffer, and past the end of mapped memory when that buffer ends a
/// page (a SIGSEGV in a directory with many entries).
func entryName(_ entry: UnsafeMutablePointer<dirent>) -> UnsafeRawBufferPointer {
    let name = UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    return UnsafeRawBufferPointer(start: name, count: strlen(name.assumingMemoryBound(to: CChar.self)))
}
