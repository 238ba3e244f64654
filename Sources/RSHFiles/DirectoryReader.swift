import RSHProtocol
import RSHSystem

/// The entries of a directory, one at a time, each with what it is (a
/// symbolic link is described itself, with its target). Names that are
/// not UTF-8 cannot travel in JSON: they are skipped, and counted. So is a
/// link whose target is not UTF-8. A name removed between the listing and
/// its `fstatat` is passed over: it is gone.
public final class DirectoryReader {
    public let path: String
    /// Names passed over because they, or their link's target, are not UTF-8.
    public private(set) var skipped: Int64 = 0
    private let stream: DirectoryStream

    public init(_ path: String) throws(FileError) {
        self.path = path
        do {
            stream = try DirectoryStream(path)
        } catch {
            throw FileError(error, path)
        }
    }

    /// The next entry; `nil` at the end.
    public func next() throws(FileError) -> (name: String, info: FileInfo)? {
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try stream.next()
            } catch {
                throw FileError(error, path)
            }
            guard let bytes else { return nil }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                skipped += 1
                continue
            }
            let status: FileStatus
            var target: String?
            do {
                status = try FileStatus(linkAt: name, in: stream.descriptor)
                if status.isSymbolicLink {
                    target = String(validating: try symbolicLinkTarget(name, in: stream.descriptor), as: UTF8.self)
                    if target == nil {
                        skipped += 1
                        continue
                    }
                }
            } catch .noSuchFile {
                continue
            } catch {
                throw FileError(error, path + "/" + name)
            }
            return (name, FileInfo(status, linkTarget: target))
        }
    }

    public func close() {
        stream.close()
    }
}
