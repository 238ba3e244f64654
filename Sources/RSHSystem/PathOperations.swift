import CRSHSystem
import Glibc
import RSHProtocol

// Changes to the file system by path, for modules that do not import Glibc:
// thin wrappers over the calls (FileSystem.swift holds the rest).

/// Gives `source` the name `destination`, replacing what is there at once
/// (`rename(2)`): a reader sees the old file or the new one, never a mix.
public func renameFile(_ source: String, to destination: String) throws(Errno) {
    _ = try retryingInterrupts { rename(source, destination) }
}

/// Removes a name that is not a directory (`unlink(2)`): a temporary file,
/// a Unix socket's file at shutdown or a stale one.
public func removeFile(atPath path: String) throws(Errno) {
    _ = try retryingInterrupts { unlink(path) }
}

/// Creates a symbolic link at `path` that points to `target` (`symlink(2)`); `path` must not exist.
public func makeSymbolicLink(at path: String, target: String) throws(Errno) {
    _ = try retryingInterrupts { symlink(target, path) }
}

/// Sets the permission bits of what `path` names (`chmod(2)`, following links).
public func setPermissions(_ path: String, _ permissions: UInt32) throws(Errno) {
    _ = try retryingInterrupts { chmod(path, mode_t(permissions)) }
}

/// Sets the modification time of what `path` names, or of a link itself
/// when `followingLinks` is false (`utimensat(2)`); the access time is left.
public func setModificationTime(_ path: String, _ time: FileTime, followingLinks: Bool = true) throws(Errno) {
    var times = [timespec(tv_sec: 0, tv_nsec: crsh_UTIME_OMIT), timespec(time)]
    _ = try retryingInterrupts { utimensat(AT_FDCWD, path, &times, followingLinks ? 0 : AT_SYMLINK_NOFOLLOW) }
}

/// The target of the symbolic link `path` (a name in `directory`, if one is
/// given), as the bytes it holds, which need not be UTF-8 (`readlinkat(2)`).
public func symbolicLinkTarget(_ path: String, in directory: FileDescriptor? = nil) throws(Errno) -> [UInt8] {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = try retryingInterrupts { readlinkat(directory?.rawValue ?? AT_FDCWD, path, &buffer, buffer.count) }
    return buffer[..<length].map { UInt8(bitPattern: $0) }
}

/// Removes `path` and, if it is a directory, everything under it, as
/// `rm -rf` does: depth first, links removed and not followed, names that
/// are not UTF-8 as well. What cannot be removed is left.
public func removeTree(_ path: String) {
    _ = crsh_remove_tree(path)
}
