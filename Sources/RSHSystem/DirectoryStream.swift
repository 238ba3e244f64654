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
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
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
