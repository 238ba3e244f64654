import Glibc

/// Readings of a process from `/proc` (proc(5)): what the tests and the
/// benchmark check about a server: its threads, memory, descriptors, children.
public struct ProcessStatistics: Sendable {
    public let processID: Int32

    public init(processID: Int32 = getpid()) { self.processID = processID }

    /// `Threads:` of /proc/PID/status.
    public var threadCount: Int? { statusField("Threads:") }
    /// `VmRSS:` in bytes: the resident set now.
    public var residentBytes: Int? { statusField("VmRSS:").map { $0 * 1024 } }
    /// `VmHWM:` in bytes: the peak resident set.
    public var peakResidentBytes: Int? { statusField("VmHWM:").map { $0 * 1024 } }
    /// `Threads:` and `VmRSS:` (in bytes) from one read of the file, for a
    /// sampler that should cost its target's machine as little as it can.
    public var threadsAndResidentBytes: (threads: Int, residentBytes: Int)? {
        let fields = statusFields(["Threads:", "VmRSS:"])
        guard let threads = fields["Threads:"], let resident = fields["VmRSS:"] else { return nil }
        return (threads, resident * 1024)
    }

    /// How many descriptors the process has open (entries of /proc/PID/fd).
    public var openDescriptorCount: Int? {
        directoryEntries("/proc/\(processID)/fd")?.count
    }

    /// The targets of its open descriptors ("pipe:[123]", "socket:[456]", "/dev/null", ...).
    public var openDescriptorTargets: [Int32: String]? {
        guard let names = directoryEntries("/proc/\(processID)/fd") else { return nil }
        var targets: [Int32: String] = [:]
        for name in names {
            guard let number = Int32(name) else { continue }
            var buffer = [CChar](repeating: 0, count: 4096)
            let length = readlink("/proc/\(processID)/fd/\(name)", &buffer, buffer.count - 1)
            if length > 0 { targets[number] = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        return targets
    }

    /// User plus system CPU time, in seconds (fields 14 and 15 of /proc/PID/stat).
    public var cpuSeconds: Double? {
        guard let text = readTextFile("/proc/\(processID)/stat"),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: field 3 is index 0, so utime (14) is index 11.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The processes whose parent is this one, with their state letter ("Z" for a zombie).
    public var children: [(processID: Int32, state: Character)] {
        var result: [(Int32, Character)] = []
        for name in directoryEntries("/proc") ?? [] {
            guard let pid = Int32(name), let text = readTextFile("/proc/\(pid)/stat"),
                  let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == processID, let state = fields[0].first {
                result.append((pid, state))
            }
        }
        return result
    }

    private func statusField(_ key: String) -> Int? { statusFields([key])[key] }

    /// The numbers after `keys` in /proc/PID/status, read once.
    private func statusFields(_ keys: [String]) -> [String: Int] {
        guard let text = readTextFile("/proc/\(processID)/status") else { return [:] }
        var found: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let key = keys.first(where: { line.hasPrefix($0) }) else { continue }
            found[key] = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            if found.count == keys.count { break }
        }
        return found
    }
}

/// The IDs of the live (non-zombie) processes in process group `groupID`.
public func processesInGroup(_ groupID: Int32) -> [Int32] {
    var members: [Int32] = []
    for name in directoryEntries("/proc") ?? [] {
        guard let pid = Int32(name), let text = readTextFile("/proc/\(pid)/stat"),
              let close = text.lastIndex(of: ")") else { continue }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Field 3 is the state, field 5 the process group.
        if fields.count > 2, Int32(fields[2]) == groupID, fields[0] != "Z" { members.append(pid) }
    }
    return members
}

/// The names in a directory, without "." and "..".
public func directoryEntries(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// A whole small file (from /proc, a key file, ...), or `nil` if it cannot be read.
public func readTextFile(_ path: String) -> String? {
    guard let bytes = try? readFile(path) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

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
        if mkdir(prefix, 0o755) == -1, Errno.current != .fileExists { throw Errno.current }
    }
}

/// The target of a symbolic link, such as /proc/self/exe.
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

/// What `stat(2)` says about a file that matters here.
public struct FileStatus: Sendable {
    /// The permission bits (`st_mode & 0o7777`).
    public let permissions: UInt32
    public let isRegularFile: Bool
    public let isSocket: Bool
    public let owner: UInt32
    /// Together, what makes the file this file, whatever path leads to it.
    public let device: UInt64
    public let inode: UInt64

    public init(path: String) throws(Errno) {
        var info = stat()
        _ = try retryingInterrupts { stat(path, &info) }
        self.init(info)
    }

    /// `fstat(2)`; a descriptor opened with `O_PATH` will do.
    public init(descriptor: FileDescriptor) throws(Errno) {
        var info = stat()
        _ = try retryingInterrupts { fstat(descriptor.rawValue, &info) }
        self.init(info)
    }

    private init(_ info: stat) {
        permissions = UInt32(info.st_mode) & 0o7777
        isRegularFile = info.st_mode & S_IFMT == S_IFREG
        isSocket = info.st_mode & S_IFMT == S_IFSOCK
        owner = info.st_uid
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// Whether both describe the same file (device and inode number).
    public func isSameFile(as other: FileStatus) -> Bool {
        device == other.device && inode == other.inode
    }
}

/// Creates a new file that must not exist yet (`O_CREAT | O_EXCL`), with `mode`, and writes `bytes`.
public func createNewFile(_ path: String, mode: mode_t, _ bytes: [UInt8]) throws(Errno) {
    let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusive], permissions: mode)
    defer { fd.closeAfterUse() }
    try fd.writeAll(bytes)
}
