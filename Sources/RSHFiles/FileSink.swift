import RSHProtocol
import RSHSystem
import RSHTLS

/// A file received into place atomically. Its bytes go to a temporary file
/// beside the destination, created with `O_CREAT | O_EXCL | O_NOFOLLOW` and
/// mode 0600 (so it is nobody else's file, nor a link to one, and nobody
/// else reads it half-written), and are hashed as they arrive. `commit`
/// checks the size and the SHA-256, sets the mode (and the modification
/// time), waits for the disk (`fsync`) and renames the file over the
/// destination. Anything else — `abort`, a failure, a sink dropped
/// unfinished — removes the temporary file: the destination is as it was,
/// never partial, never a mix.
///
/// Zeros are skipped rather than written, in pieces of `holeUnit`: the file
/// gets holes where the sender's file had them (or had zeros), much as
/// `cp --sparse=always` makes them, and a sparse image costs no disk.
public final class FileSink {
    public let destination: String
    public let temporaryPath: String
    /// The bytes received so far.
    public private(set) var size: Int64 = 0
    private var state: State
    private let hasher = SHA256()
    /// The last bytes were skipped: the file's size must be set at the end.
    private var endsInHole = false
    /// Where the bytes not yet handed to the disk's writeback begin.
    private var writebackStart: Int64 = 0
    /// The bytes the disk is given to write at a time while the file
    /// arrives. Left to the kernel, the writeback of a large file mostly
    /// starts at the `fsync`, and `commit` then waits for all of it (0.6 s
    /// of a 1 GiB upload here); started as the bytes come, it overlaps with
    /// the transfer, and the `fsync` waits for the last few MiB.
    static let writebackChunk: Int64 = 8 << 20
    /// A write is looked at in pieces this long, each aligned within it: a
    /// piece of zeros is a hole. (A write is a frame, up to a MiB: as a
    /// whole, it would leave a hole only where a MiB of zeros is.)
    static let holeUnit = 65_536

    private enum State {
        /// The temporary file is open for the bytes to come.
        case receiving(FileDescriptor)
        /// Committed, or the temporary file removed.
        case finished
    }

    /// Opens the temporary file. A destination that is a directory is
    /// refused now, before any byte moves.
    public init(destination: String) throws(FileError) {
        self.destination = destination
        if let status = try? FileStatus(path: destination), status.isDirectory {
            throw FileError(.isDirectory, destination, "is a directory")
        }
        var opened: FileDescriptor?
        do {
            temporaryPath = try TemporaryName.create(beside: destination) { (name) throws(Errno) in
                opened = try FileDescriptor.open(name, .writeOnly, options: [.create, .exclusive, .noFollow], permissions: 0o600)
            }
        } catch {
            throw FileError(error, destination)
        }
        state = .receiving(opened!)
    }

    deinit { abort() }

    /// Writes the next bytes (all of them: a regular file takes them whole
    /// unless the disk fails) and hashes them. A failure removes the file.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        guard case .receiving(let descriptor) = state else { preconditionFailure("a write after the sink was finished") }
        guard !bytes.isEmpty else { return }
        hasher.update(bytes)
        do {
            // The data between pieces of zeros goes out in one write.
            var dataStart = 0
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + Self.holeUnit, bytes.count)
                if isAllZeros(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) {
                    if dataStart < offset {
                        let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<offset])
                        try attempt { () throws(Errno) in try descriptor.writeAll(data) }
                    }
                    try attempt { () throws(Errno) in try descriptor.skip(Int64(end - offset)) }
                    dataStart = end
                    endsInHole = true
                }
                offset = end
            }
            if dataStart < bytes.count {
                let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart...])
                try attempt { () throws(Errno) in try descriptor.writeAll(data) }
                endsInHole = false
            }
        } catch {
            discard(descriptor)
            throw error
        }
        size += Int64(bytes.count)
        if size - writebackStart >= Self.writebackChunk {
            // Only a head start: a disk that fails makes the fsync in
            // `commit` fail, and that is where it is reported.
            try? descriptor.startWriteback(offset: writebackStart, length: size - writebackStart)
            writebackStart = size
        }
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(FileError) in try write(raw) } }.get()
    }

    /// Puts the file in place if it is what the sender sent: `size` bytes
    /// whose SHA-256 is `sha256`. It then has `permissions`, exactly (no
    /// umask), and `modified`, if given. On any failure the temporary file is
    /// removed and the destination left as it was.
    public func commit(size expectedSize: Int64, sha256 expected: [UInt8], permissions: UInt32,
                       modified: FileTime?) throws(FileError) {
        guard case .receiving(let descriptor) = state else { preconditionFailure("a commit after the sink was finished") }
        do throws(FileError) {
            guard size == expectedSize else {
                throw FileError(.sizeMismatch, destination, "\(size) bytes arrived, not the \(expectedSize) that were sent")
            }
            let digest = hasher.finish()
            guard digest == expected else {
                throw FileError(.hashMismatch, destination,
                                "the bytes that arrived have SHA-256 \(Hex.encode(digest)), not \(Hex.encode(expected)) as sent")
            }
            try attempt { () throws(Errno) in
                if endsInHole { try descriptor.setSize(size) }
                try descriptor.setPermissions(permissions)
                if let modified { try descriptor.setModificationTime(modified) }
                try descriptor.synchronize()
                try renameFile(temporaryPath, to: destination)
            }
        } catch {
            discard(descriptor)
            throw error
        }
        descriptor.closeAfterUse()
        state = .finished
    }

    /// Drops the file: the temporary file is closed and removed. Nothing
    /// happens once the sink is finished.
    public func abort() {
        guard case .receiving(let descriptor) = state else { return }
        discard(descriptor)
    }

    private func discard(_ descriptor: FileDescriptor) {
        descriptor.closeAfterUse()
        try? removeFile(atPath: temporaryPath)
        state = .finished
    }

    /// A call on the temporary file, its failure told as the destination's.
    private func attempt(_ body: () throws(Errno) -> Void) throws(FileError) {
        do { try body() } catch { throw FileError(error, destination) }
    }
}
