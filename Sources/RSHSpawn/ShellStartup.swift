import RSHSystem

/// What `/bin/sh` (dash) does to its environment as it starts, so that a
/// program executed directly in its place starts with the same one.
///
/// dash takes in only the entries whose names are shell names, and sets and
/// exports `PWD`: to the inherited value when that is an absolute path naming
/// the directory it starts in (through a symbolic link, or with `.` in it,
/// alike), and otherwise to the directory's physical path (`getcwd(3)`), or
/// to nothing when there is none (a removed directory).
enum ShellStartup {
    enum Environment: Equatable {
        /// The environment the program was to get is already the shell's.
        case unchanged
        /// These entries instead: the same, with the shell's `PWD`.
        case replaced([String])
        /// Only the shell can say (a name it would drop, a directory without a path).
        case shellNeeded
    }

    /// The environment for a program executed instead of the shell.
    /// `entries`: `nil` for this process's own; `directory`: where the program
    /// starts, `nil` for this process's working directory. `checkNames`: names
    /// the shell would drop send the command to the shell (a command line);
    /// without it they are passed on (an exact argument vector).
    static func environment(_ entries: [String]?, in directory: FileDescriptor?, checkNames: Bool) -> Environment {
        if checkNames, !(entries.map(allNamesAreShellNames) ?? ownNamesAreShellNames) { return .shellNeeded }
        let inherited = entries.map(value(ofPWD:)) ?? ProcessIdentity.environmentValue("PWD")
        guard let pwd = workingDirectoryVariable(inherited: inherited, directory: directory) else { return .shellNeeded }
        if pwd == inherited { return .unchanged }
        return .replaced((entries ?? currentEnvironment()).filter { !$0.hasPrefix("PWD=") } + ["PWD=" + pwd])
    }

    /// `PWD` as the shell sets it, or `nil` when the directory has no path.
    static func workingDirectoryVariable(inherited: String?, directory: FileDescriptor?) -> String? {
        let here: FileStatus
        do {
            here = try directory.map { descriptor throws(Errno) in try FileStatus(descriptor: descriptor) } ?? FileStatus(path: ".")
        } catch {
            return nil
        }
        if let inherited, inherited.hasPrefix("/"), (try? FileStatus(path: inherited))?.isSameFile(as: here) == true {
            return inherited
        }
        // The path the kernel has for the directory is the one getcwd(3)
        // would give once the child is in it; "(deleted)" and the like are
        // not a path to it, which the check below catches.
        let physical = directory.map { readLinkTarget("/proc/self/fd/\($0.rawValue)") } ?? ProcessIdentity.workingDirectory
        guard let physical, physical.hasPrefix("/"), (try? FileStatus(path: physical))?.isSameFile(as: here) == true else {
            return nil
        }
        return physical
    }

    /// Whether every entry is NAME=VALUE with a shell name, each name once:
    /// then the shell takes in all of them, as they are.
    static func allNamesAreShellNames(_ entries: [String]) -> Bool {
        var seen: Set<Substring> = []
        for entry in entries {
            guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")), isShellName(entry[..<equals]),
                  seen.insert(entry[..<equals]).inserted else { return false }
        }
        return true
    }

    /// This process's environment does not change (the server never sets a
    /// variable), so it is checked once.
    private static let ownNamesAreShellNames = allNamesAreShellNames(currentEnvironment())

    /// A letter or underscore, then letters, digits and underscores (POSIX, "Name").
    static func isShellName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
    }

    private static func value(ofPWD entries: [String]) -> String? {
        entries.last { $0.hasPrefix("PWD=") }.map { String($0.dropFirst(4)) }
    }
}
