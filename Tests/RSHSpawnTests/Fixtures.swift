import Foundation
import RSHSystem
import RSHTestSupport

/// Files the tests need, made once per test run.
enum Fixtures {
    /// A regular file without any execute bit.
    static let notExecutable: String = {
        let path = ScratchSpace.path("not-executable")
        _ = FileManager.default.createFile(atPath: path, contents: Data("echo should not run\n".utf8),
                                       attributes: [.posixPermissions: 0o644])
        return path
    }()

    /// A symbolic link to a directory: its path names the directory without being the directory's own path.
    static let symbolicLinkToDirectory: String = {
        let directory = ScratchSpace.path("directory")
        let link = directory + "-link"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory)
        return link
    }()
}

/// What identifies an open descriptor beyond its number: "pipe:[1234]" for a
/// pipe, "pidfd:4321" for a process descriptor of process 4321.
func identity(of descriptor: FileDescriptor) -> String? {
    let target = readLink("/proc/self/fd/\(descriptor.rawValue)")
    if target == "anon_inode:[pidfd]",
       let info = readTextFile("/proc/self/fdinfo/\(descriptor.rawValue)"),
       let line = info.split(separator: "\n").first(where: { $0.hasPrefix("Pid:") }) {
        return "pidfd:" + line.dropFirst(4).trimmingCharacters(in: .whitespaces)
    }
    return target
}

/// The identities of every descriptor open in this process now.
func openIdentities() -> Set<String> {
    Set((directoryEntries("/proc/self/fd") ?? []).compactMap { Int32($0) }.compactMap { identity(of: FileDescriptor(rawValue: $0)) })
}

func readLink(_ path: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: path)
}

/// Whether `processID` is a zombie child of this process.
func isOurZombie(_ processID: Int32) -> Bool {
    guard let stat = readTextFile("/proc/\(processID)/stat"), let close = stat.lastIndex(of: ")") else { return false }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == ProcessIdentity.processID
}

/// Waits until `condition` holds, checking every 10 ms, for at most `timeout`.
func eventually(timeout: Duration = .seconds(2), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        usleep(10_000)
    }
    return true
}
