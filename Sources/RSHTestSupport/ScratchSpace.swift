import RSHSystem

/// Where a test run keeps its files: one directory under the system's
/// temporary directory, named for the test process, made on first use and
/// removed with all it holds when the process exits.
///
/// The copy tests write gigabytes, so a run that left its files behind would
/// fill the disk within a few runs. A run that did not exit (killed at a
/// timeout, crashed) cannot remove its own directory; the next run removes
/// every such directory whose process is gone before it makes its own.
public enum ScratchSpace {
    static let prefix = "rsh-tests-"

    /// The run's directory, `$TMPDIR/rsh-tests-PID`.
    public static let root: String = {
        let parent = temporaryDirectory
        for name in directoryEntries(parent) ?? [] where name.hasPrefix(prefix) {
            guard let processID = Int32(name.dropFirst(prefix.count)), processID != ProcessIdentity.processID,
                  !processExists(processID) else { continue }
            // Only a directory of this user's, not a link to elsewhere or a
            // directory someone else left in a shared /tmp.
            guard let status = try? FileStatus(linkAt: parent + "/" + name), status.isDirectory,
                  status.owner == ProcessIdentity.effectiveUserID else { continue }
            removeTree(parent + "/" + name)
        }
        let path = parent + "/" + prefix + "\(ProcessIdentity.processID)"
        try? createDirectory(path)
        runAtProcessExit { RSHSystem.removeTree(ScratchSpace.root) }
        return path
    }()

    /// A new name under the run's directory: `name` and a random suffix.
    public static func path(_ name: String) -> String {
        root + "/" + name + "-" + String(UInt32.random(in: 0 ... .max), radix: 16)
    }

    /// A new empty directory under the run's directory.
    public static func directory(_ name: String) throws(Errno) -> String {
        let path = path(name)
        try createDirectory(path)
        return path
    }

    static var temporaryDirectory: String {
        guard let directory = ProcessIdentity.environmentValue("TMPDIR"), !directory.isEmpty else { return "/tmp" }
        return directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    }

    static func processExists(_ processID: Int32) -> Bool {
        directoryEntries("/proc/\(processID)") != nil
    }
}
