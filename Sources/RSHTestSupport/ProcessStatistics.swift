import RSHSystem

/// Readings of a process from `/proc` (proc(5)): what the tests and the
/// benchmark check about a server: its threads, memory, descriptors, children.
public struct ProcessStatistics: Sendable {
    public let processID: Int32

    public init(processID: Int32 = ProcessIdentity.processID) { self.processID = processID }

    /// `Threads:` of /proc/PID/status.
    public var threadCount: Int? { statusField("Threads:") }
    /// `VmRSS:` in bytes: the resident set now.
    public var residentBytes: Int? { statusField("VmRSS:").map { $0 * 1024 } }
    /// `VmHWM:` in bytes: the peak resident set.
    public var peakResidentBytes: Int? { statusField("VmHWM:").map { $0 * 1024 } }
    /// `Threads:`, `VmRSS:` and `VmHWM:` (in bytes) from one read of the
    /// file, for a sampler that should cost its target's machine as little
    /// as it can. `nil` for a zombie, whose memory is gone.
    public var threadsAndResidentBytes: (threads: Int, residentBytes: Int, peakResidentBytes: Int)? {
        let fields = statusFields(["Threads:", "VmRSS:", "VmHWM:"])
        guard let threads = fields["Threads:"], let resident = fields["VmRSS:"], let peak = fields["VmHWM:"] else { return nil }
        return (threads, resident * 1024, peak * 1024)
    }

    /// The file names of what the process has mapped (/proc/PID/maps):
    /// "libc.so.6", "libssl.so.3", its own binary's; empty once it is gone.
    public var mappedFileNames: Set<String> {
        Set((readTextFile("/proc/\(processID)/maps") ?? "").split(separator: "\n").compactMap { line in
            guard let path = line.split(separator: " ").last, path.hasPrefix("/") else { return nil }
            return path.split(separator: "/").last.map(String.init)
        })
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
            if let target = readLinkTarget("/proc/\(processID)/fd/\(name)") { targets[number] = target }
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
        return (user + system) / Double(ProcessIdentity.clockTicksPerSecond)
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
