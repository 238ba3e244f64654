import Glibc

// Files and directories by path: thin wrappers over the calls, for modules
// that do not import Glibc.

/// The bytes of a file, read to its end.
public func readFile(_ path: String) throws(Errno) -> [UInt8] {
    let fd = try FileDescriptor.open(path, .readOnly)
    defer { fd.closeAfterUse() }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = try chunk.withUnsafeMutableBytes { buffer in Result { () throws(Errno) in try fd.read(into: buffer) } }.get()
        if count == 0 { return bytes }
        bytes += chunk[..<count]
    }
}

/// Creates a new file that must not exist yet (`O_CREAT | O_EXCL`), with `mode`, and writes `bytes`.
public func createNewFile(_ path: String, mode: mode_t, _ bytes: [UInt8]) throws(Errno) {
    let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusive], permissions: mode)
    defer { fd.closeAfterUse() }
    try fd.writeAll(bytes)
}

/// Creates `path` with `mode` and `bytes` all at once: the bytes go to a
/// temporary file beside it, which is then hard-linked to `path`
/// (`link(2)` fails with `fileExists` rather than replace a file). So no
/// reader ever sees a partial file, an existing file is never overwritten,
/// and two processes creating the same file at once get one winner.
public func createFileAtomically(_ path: String, mode: mode_t, _ bytes: [UInt8]) throws(Errno) {
    var suffix = ""
    for byte in try randomBytes(6) { suffix += String(byte, radix: 16) }
    let temporary = "\(path).tmp-\(getpid())-\(suffix)"
    defer { unlink(temporary) }
    let fd = try FileDescriptor.open(temporary, .writeOnly, options: [.create, .exclusive], permissions: mode)
    do {
        try fd.writeAll(bytes)
        _ = try retryingInterrupts { fsync(fd.rawValue) }
    } catch {
        fd.closeAfterUse()
        throw error
    }
    fd.closeAfterUse()
    _ = try retryingInterrupts { link(temporary, path) }
}

/// Appends `bytes` to a file in one `write(2)` with `O_APPEND`, creating it
/// with `mode` if it does not exist: lines appended by two processes at
/// once do not interleave.
public func appendToFile(_ path: String, mode: mode_t, _ bytes: [UInt8]) throws(Errno) {
    let fd = FileDescriptor(rawValue: try retryingInterrupts { open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode) })
    defer { fd.closeAfterUse() }
    try fd.writeAll(bytes)
}

/// Creates one directory (`mkdir(2)`); its parent must exist.
public func makeDirectory(_ path: String, permissions: mode_t = 0o755) throws(Errno) {
    _ = try retryingInterrupts { mkdir(path, permissions) }
}

/// Removes an empty directory (`rmdir(2)`).
public func removeDirectory(_ path: String) throws(Errno) {
    _ = try retryingInterrupts { rmdir(path) }
}

/// The names in a directory, without "." and ".." (`opendir(3)`, `readdir(3)`).
public func directoryEntries(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = String(decoding: entryName(entry), as: UTF8.self)
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// The target of a symbolic link, such as /proc/self/exe (`readlink(2)`).
public func readLinkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink(path, &buffer, buffer.count - 1)
    guard length > 0 else { return nil }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension FileDescriptor {
    /// Whether `path` names a file this process may execute (`access(X_OK)`).
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}
