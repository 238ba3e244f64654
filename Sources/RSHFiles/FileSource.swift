import RSHProtocol
import RSHSystem
import RSHTLS

/// A regular file read for sending, hashed as it is read. Anything else is
/// refused before it is opened: a FIFO would block its reader, and a device
/// may do something when opened (a tape rewinds). The open itself is
/// non-blocking, so a path that became a FIFO after the check is not waited
/// on either, and is refused once opened.
///
/// It sends exactly the size it announced: a file that grows meanwhile is
/// cut at that size, and one that shrinks is a `size_mismatch`.
public final class FileSource {
    public let path: String
    /// The file as it was when opened: its size is what will be sent.
    public let info: FileInfo
    /// The bytes read so far.
    public private(set) var bytesRead: Int64 = 0
    private var descriptor: FileDescriptor?
    private let hasher = SHA256()

    public init(_ path: String) throws(FileError) {
        self.path = path
        let named: FileStatus
        do {
            named = try FileStatus(path: path)
        } catch {
            throw FileError(error, path)
        }
        guard named.isRegularFile else {
            throw FileError(named.isDirectory ? .isDirectory : .notRegularFile, path, "is \(FileInfo.describe(named))")
        }
        let descriptor: FileDescriptor
        let opened: FileStatus
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.nonBlocking, .noControllingTerminal])
        } catch {
            throw FileError(error, path)
        }
        do {
            opened = try FileStatus(descriptor: descriptor)
        } catch {
            descriptor.closeAfterUse()
            throw FileError(error, path)
        }
        guard opened.isRegularFile, opened.isSameFile(as: named) else {
            descriptor.closeAfterUse()
            throw FileError(.notRegularFile, path, "was replaced while it was opened")
        }
        self.descriptor = descriptor
        info = FileInfo(opened)
    }

    deinit { close() }

    /// Every byte announced has been read.
    public var isAtEnd: Bool { bytesRead == info.size }

    /// Reads the next bytes into `buffer`, never past the size announced;
    /// returns 0 once all of them are read.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard let descriptor else { preconditionFailure("a read after the source was closed") }
        let wanted = Int(min(Int64(buffer.count), info.size - bytesRead))
        guard wanted > 0 else { return 0 }
        let count: Int
        do {
            count = try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
        } catch {
            throw FileError(error, path)
        }
        guard count > 0 else {
            throw FileError(.sizeMismatch, path, "shrank from \(info.size) to \(bytesRead) bytes while it was read")
        }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        bytesRead += Int64(count)
        return count
    }

    /// The SHA-256 of every byte read; the file is closed.
    public func finish() -> [UInt8] {
        precondition(isAtEnd, "the digest of a file not read to its end")
        close()
        return hasher.finish()
    }

    public func close() {
        descriptor?.closeAfterUse()
        descriptor = nil
    }
}
