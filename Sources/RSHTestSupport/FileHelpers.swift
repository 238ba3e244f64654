import RSHSystem

/// A whole small file (from /proc, a log, ...), or `nil` if it cannot be read.
public func readTextFile(_ path: String) -> String? {
    guard let bytes = try? readFile(path) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes `bytes` to `path`, replacing the file (mode 0644).
public func writeFile(_ path: String, _ bytes: [UInt8]) throws(Errno) {
    let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o644)
    defer { fd.closeAfterUse() }
    try fd.writeAll(bytes)
}

/// Creates a directory and its parents, as `mkdir -p` does.
public func createDirectory(_ path: String) throws(Errno) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component + "/"
        do {
            try makeDirectory(prefix)
        } catch .fileExists {
            continue
        }
    }
}
