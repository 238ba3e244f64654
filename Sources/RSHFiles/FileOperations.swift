import RSHProtocol
import RSHSystem

/// The file requests that are one call or two: what a path is, a directory
/// made, a symbolic link put in place, a mode or time set. Each failure is a
/// `FileError` naming the path.
public enum FileOperations {
    /// What `path` is: `stat(2)`, or `lstat(2)` (and the target of a link) without following links.
    public static func info(_ path: String, followingLinks: Bool = true) throws(FileError) -> FileInfo {
        let status: FileStatus
        let target: [UInt8]
        do {
            status = followingLinks ? try FileStatus(path: path) : try FileStatus(linkAt: path)
            guard status.isSymbolicLink else { return FileInfo(status) }
            target = try symbolicLinkTarget(path)
        } catch {
            throw FileError(error, path)
        }
        guard let text = String(validating: target, as: UTF8.self) else {
            throw FileError(.fileFailed, path, "is a symbolic link whose target is not UTF-8")
        }
        return FileInfo(status, linkTarget: text)
    }

    /// Creates the directory `path` with `permissions`, exactly (no umask), or
    /// finds a directory already there (and leaves it as it is).
    public static func makeDirectory(_ path: String, permissions: UInt32) throws(FileError) {
        do {
            try RSHSystem.makeDirectory(path, permissions: 0o700)
        } catch .fileExists {
            guard (try? FileStatus(path: path))?.isDirectory == true else {
                throw FileError(.notDirectory, path, "exists and is not a directory")
            }
            return
        } catch {
            throw FileError(error, path)
        }
        do {
            try setPermissions(path, permissions)
        } catch {
            throw FileError(error, path)
        }
    }

    /// Puts a symbolic link to `target` at `path`, replacing what is there
    /// at once (a new link beside it, renamed over it), unless that is a directory.
    public static func placeSymbolicLink(at path: String, target: String) throws(FileError) {
        if let status = try? FileStatus(linkAt: path), status.isDirectory {
            throw FileError(.isDirectory, path, "is a directory")
        }
        let temporary: String
        do {
            temporary = try TemporaryName.create(beside: path) { (name) throws(Errno) in try makeSymbolicLink(at: name, target: target) }
        } catch {
            throw FileError(error, path)
        }
        do {
            try renameFile(temporary, to: path)
        } catch {
            try? removeFile(atPath: temporary)
            throw FileError(error, path)
        }
    }

    /// Sets the mode, the modification time or both of what `path` names.
    /// A symbolic link has no mode of its own (Linux has no lchmod): only its time is set.
    public static func setAttributes(_ path: String, permissions: UInt32?, modified: FileTime?) throws(FileError) {
        do {
            let isLink = try FileStatus(linkAt: path).isSymbolicLink
            if let permissions, !isLink { try setPermissions(path, permissions) }
            if let modified { try setModificationTime(path, modified, followingLinks: false) }
        } catch {
            throw FileError(error, path)
        }
    }
}
