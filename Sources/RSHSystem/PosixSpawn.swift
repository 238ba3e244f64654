import CRSHSystem
import Glibc

/// Starts `arguments[0]` in a new session and process group, with every
/// signal at its default disposition and none blocked, no descriptor above 2
/// open, and the scheduling policy `ThreadScheduling` chose for children.
/// Returns the process ID.
///
/// Two ways, with the same result: `crsh_spawn` through a spawn slot, where
/// the child copies only the bottom of this process's descriptor table
/// (`SpawnSlots`); or `posix_spawn(3)` (`POSIX_SPAWN_SETSID`) when no slot
/// can be had or the program is to be searched in `PATH`. The posix_spawn way
/// marks every descriptor of this process above 2 close-on-exec first: this
/// process hands descriptors to children only as their 0, 1 and 2.
///
/// Both run the child with `CLONE_VFORK` and report a failed `execve` as the
/// error thrown here, so `ENOENT`/`EACCES` for a missing or non-executable
/// program arrive here; a working directory the child could not enter is
/// `SpawnFailure.workingDirectory`.
public func spawnProcess(_ arguments: [String], _ setup: SpawnSetup) throws(SpawnFailure) -> Int32 {
    precondition(!arguments.isEmpty, "spawnProcess needs a program")
    let program = setup.program ?? arguments[0]
    let argv = CStringArray(arguments)
    defer { argv.free() }
    let envp = setup.environment.map(CStringArray.init)
    defer { envp?.free() }
    // The usual way: through a spawn slot, so that the child does not copy
    // this process's whole descriptor table (SpawnSlots). posix_spawn below
    // when no slot can be had, or for a PATH search.
    if !setup.searchPath || program.contains("/"),
       let processID = try SpawnSlots.shared.spawn(program, argv, envp?.pointers ?? environ, setup) {
        return processID
    }
    do {
        return try posixSpawn(program, argv, envp, setup)
    } catch .permissionDenied where setup.workingDirectory.map({ !$0.permitsSearch }) == true {
        // glibc's posix_spawn reports a failed fchdir file action and a failed
        // execve alike, so the directory is asked afterwards. (crsh_spawn's
        // child says which step failed.)
        throw .workingDirectory(.permissionDenied)
    } catch {
        throw .other(error)
    }
}

private func posixSpawn(_ program: String, _ argv: CStringArray, _ envp: CStringArray?, _ setup: SpawnSetup) throws(Errno) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    try returnedError(posix_spawn_file_actions_init(&actions))
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    try returnedError(posix_spawnattr_init(&attributes))
    defer { posix_spawnattr_destroy(&attributes) }

    // dup2 onto 0, 1, 2 clears close-on-exec on the copies. The three sources
    // are never 0-2 themselves: the server keeps its own standard descriptors
    // open (FileDescriptor.ensureStandardDescriptorsOpen).
    switch setup.standardStreams {
    case .descriptors(let input, let output, let error):
        try returnedError(posix_spawn_file_actions_adddup2(&actions, input.rawValue, 0))
        try returnedError(posix_spawn_file_actions_adddup2(&actions, output.rawValue, 1))
        try returnedError(posix_spawn_file_actions_adddup2(&actions, error.rawValue, 2))
    case .terminal(let path):
        // glibc runs POSIX_SPAWN_SETSID before the file actions, so this
        // open (without O_NOCTTY) makes the terminal the child's controlling
        // terminal, and the child's group its foreground group.
        try returnedError(posix_spawn_file_actions_addopen(&actions, 0, path, O_RDWR, 0))
        try returnedError(posix_spawn_file_actions_adddup2(&actions, 0, 1))
        try returnedError(posix_spawn_file_actions_adddup2(&actions, 0, 2))
    }
    if let directory = setup.workingDirectory {
        try returnedError(crsh_spawn_addfchdir(&actions, directory.rawValue))
    }
    // Every other descriptor is closed by execve, because all of them are
    // close-on-exec: this module opens everything with O_CLOEXEC, and this
    // sweep marks whatever else is open (inherited, or opened by a library
    // without the flag) just before the spawn. It is not done with a
    // closefrom file action, which closes the descriptors in the child while
    // the parent is still suspended (CLONE_VFORK): with 4,000 descriptors open
    // that keeps the parent's thread waiting ~470 µs per spawn instead of
    // ~90 µs, whereas execve closes them after it has released the parent
    // (BENCHMARKS.md, the "1,000 concurrent sleep 1" target).
    try returnedError(crsh_mark_close_on_exec_from(3) == 0 ? 0 : errno)

    var defaultSignals = sigset_t()
    sigfillset(&defaultSignals)
    try returnedError(posix_spawnattr_setsigdefault(&attributes, &defaultSignals))
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    try returnedError(posix_spawnattr_setsigmask(&attributes, &emptyMask))
    var flags = crsh_POSIX_SPAWN_SETSID | Int16(POSIX_SPAWN_SETSIGDEF) | Int16(POSIX_SPAWN_SETSIGMASK)
    if let policy = ThreadScheduling.childPolicy {
        var priority = sched_param(sched_priority: 0)
        try returnedError(posix_spawnattr_setschedpolicy(&attributes, policy))
        try returnedError(posix_spawnattr_setschedparam(&attributes, &priority))
        flags |= Int16(POSIX_SPAWN_SETSCHEDULER)
    }
    try returnedError(posix_spawnattr_setflags(&attributes, flags))

    var processID: pid_t = 0
    try returnedError(launch(&processID, program, &actions, &attributes, argv, envp?.pointers ?? environ, setup.searchPath))
    return processID
}

private func launch(_ processID: inout pid_t, _ program: String,
                    _ actions: inout posix_spawn_file_actions_t, _ attributes: inout posix_spawnattr_t,
                    _ argv: CStringArray, _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                    _ searchPath: Bool) -> Int32 {
    if searchPath {
        return posix_spawnp(&processID, program, &actions, &attributes, argv.pointers, envp)
    }
    return posix_spawn(&processID, program, &actions, &attributes, argv.pointers, envp)
}

/// The environment of this process as "KEY=VALUE" entries (`environ(7)`).
public func currentEnvironment() -> [String] {
    EnvironmentSnapshot().entries
}

/// This process's environment at one moment: its entries, and the
/// addresses of the strings `environ` pointed to, which stand for them.
/// `setenv(3)` and `unsetenv(3)` change `environ` by putting a new string in
/// an entry's place or taking the entry out; they never write into a string
/// already placed. So while `environ` points to the same strings, in the same
/// order, the entries are the same (`isCurrent`), and finding that out reads
/// the pointers only.
public struct EnvironmentSnapshot: Sendable {
    public let entries: [String]
    private let addresses: [UInt]

    public init() {
        var entries: [String] = []
        var addresses: [UInt] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            addresses.append(UInt(bitPattern: entry))
            cursor += 1
        }
        self.entries = entries
        self.addresses = addresses
    }

    /// Whether `environ` still points to the strings it did.
    public var isCurrent: Bool {
        var cursor = environ
        for address in addresses {
            guard let entry = cursor.pointee, UInt(bitPattern: entry) == address else { return false }
            cursor += 1
        }
        return cursor.pointee == nil
    }
}

extension FileDescriptor {
    /// Makes sure descriptors 0, 1 and 2 are open (on `/dev/null` if not), so
    /// that no socket or pipe this process opens later is given one of those
    /// numbers and is then mistaken for a standard stream (OpenSSH's `sanitise_stdfd`).
    public static func ensureStandardDescriptorsOpen() {
        for number in Int32(0)...2 where !FileDescriptor(rawValue: number).isOpen {
            let fd = Glibc.open("/dev/null", O_RDWR)
            if fd > 2 { _ = Glibc.close(fd) }
        }
    }
}

/// Finds `name` in the directories of `searchPath` (a `PATH` value), as
/// `execvp(3)` would: the first regular file there that this process may
/// execute. A name with a slash is not searched. Looking in the parent costs
/// a `stat` per directory; letting `posix_spawnp` do it costs a failed
/// `execve` per directory in the child, while the parent waits for it.
public func resolveExecutable(_ name: String, searchPath: String) -> String? {
    guard !name.isEmpty, !name.contains("/") else { return nil }
    for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
        // An empty entry means the current directory (execvp(3)).
        let candidate = directory.isEmpty ? name : "\(directory)/\(name)"
        var info = stat()
        guard stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 else { continue }
        return candidate
    }
    return nil
}
