import RSHProtocol
import RSHSystem
import Synchronization

/// The spawn sequence for `ChildProcess`: pipes, working directory,
/// environment, program choice, `posix_spawn`, process descriptor. Every
/// error path closes every descriptor opened so far (swift-subprocess's rule),
/// and the parent always closes the child's ends of the pipes (OpenSSH's).
struct Launch {
    let processID: Int32
    let exitDescriptor: ProcessDescriptor
    let standardInput: FileDescriptor?
    let standardOutput: FileDescriptor
    /// `nil` on a terminal, which merges the two streams into its output.
    let standardError: FileDescriptor?
    /// The terminal's master, when the child runs on one (`standardOutput`
    /// reads it; `standardInput` is a second descriptor for it).
    let terminal: FileDescriptor?
    let startedAt: ContinuousClock.Instant

    /// Errors of `exec` itself: the shell would report them as "not found"
    /// (127) or "Permission denied" (126), so the shell is asked to.
    static let execErrors: Set<Errno> = [.noSuchFile, .permissionDenied, .execFormat, .notDirectory,
                                         .tooManySymbolicLinks, .nameTooLong, .notPermitted, .isDirectory, .textFileBusy]

    /// Not passed to a command on a terminal: programs read the size from the terminal itself.
    static let windowSizeVariables: Set<String> = ["LINES", "COLUMNS"]

    init(_ spec: CommandSpec) throws(SpawnError) {
        var opened: [FileDescriptor] = []
        var keep: Set<FileDescriptor> = []
        defer { for fd in opened where !keep.contains(fd) { fd.closeAfterUse() } }
        do {
            var directory: FileDescriptor?
            if let path = spec.workingDirectory {
                do {
                    directory = try FileDescriptor.openDirectory(path)
                } catch {
                    throw SpawnError.badWorkingDirectory(path, error)
                }
                opened.append(directory!)
            }
            let streams: SpawnSetup.StandardStreams
            let ours: (input: FileDescriptor?, output: FileDescriptor, error: FileDescriptor?)
            var environment = spec.environment
            var removed: Set<String> = []
            if let terminal = spec.terminal {
                let pair = try PseudoTerminal.open(size: terminal.size)
                opened.append(pair.master)
                // A second descriptor for writing, as sshd keeps one (session.c):
                // the two directions then close independently, and an event
                // loop watches each for its own readiness.
                let input = try pair.master.duplicate()
                opened.append(input)
                streams = .terminal(path: pair.slavePath)
                ours = (input, pair.master, nil)
                if terminal.term.isEmpty { removed.insert("TERM") } else { environment["TERM"] = terminal.term }
                removed.formUnion(Self.windowSizeVariables.subtracting(spec.environment.keys))
            } else {
                let input: (readEnd: FileDescriptor, writeEnd: FileDescriptor)? = spec.wantsStdin ? try Self.pipe(&opened) : nil
                let output = try Self.pipe(&opened)
                let error = try Self.pipe(&opened)
                streams = .descriptors(input: try input?.readEnd ?? DevNull.descriptor(), output: output.writeEnd, error: error.writeEnd)
                ours = (input?.writeEnd, output.readEnd, error.readEnd)
            }
            let setup = SpawnSetup(streams, workingDirectory: directory,
                                   environment: Self.environment(environment, removing: removed), searchPath: true)
            let started = ContinuousClock.now
            let pid = try Self.spawn(spec, setup)

            let exit: ProcessDescriptor
            do {
                exit = try ProcessDescriptor(processID: pid)
            } catch {
                // Out of descriptors with a child already running: stop it
                // and reap it by its PID, so nothing is left behind.
                signalProcessGroup(pid, .kill)
                reapProcess(pid)
                throw SpawnError.resources(error)
            }
            for fd in [ours.input, ours.output, ours.error].compactMap({ $0 }) {
                try fd.setNonBlocking()
                keep.insert(fd)
            }
            processID = pid
            exitDescriptor = exit
            standardInput = ours.input
            standardOutput = ours.output
            standardError = ours.error
            terminal = spec.terminal == nil ? nil : ours.output
            startedAt = started
        } catch let error as SpawnError {
            throw error
        } catch {
            throw SpawnError.resources(error as? Errno ?? .invalidArgument)
        }
    }

    private static func pipe(_ opened: inout [FileDescriptor]) throws(Errno) -> (readEnd: FileDescriptor, writeEnd: FileDescriptor) {
        let ends = try FileDescriptor.pipe()
        opened += [ends.readEnd, ends.writeEnd]
        return ends
    }

    /// `nil` (inherit unchanged) without changes; otherwise the server's
    /// environment with the overridden names replaced and the removed ones left out.
    private static func environment(_ overrides: [String: String], removing removed: Set<String>) -> [String]? {
        guard !overrides.isEmpty || !removed.isEmpty else { return nil }
        if let last = lastEnvironment.withLock({ $0 }), last.overrides == overrides, last.removed == removed, last.source.isCurrent {
            return last.entries
        }
        let source = EnvironmentSnapshot()
        var entries = source.entries.filter { entry in
            guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { return true }
            let name = String(entry[..<equals])
            return overrides[name] == nil && !removed.contains(name)
        }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) { entries.append("\(name)=\(value)") }
        let built = BuiltEnvironment(source: source, overrides: overrides, removed: removed, entries: entries)
        lastEnvironment.withLock { $0 = built }
        return entries
    }

    /// The last environment built, and what from. A server gives its
    /// commands the same changes (the home directory's `PWD`) to an
    /// environment it never changes: with the entries reused, `rshd`'s user
    /// time per sequential classic command is 93-106 µs, against 133-183 µs
    /// with every entry read and filtered again (blocking mode, 3,000
    /// commands a run, `/proc/PID/stat`). The entries are built again when
    /// the changes differ or this process's environment has changed.
    private struct BuiltEnvironment: Sendable {
        let source: EnvironmentSnapshot
        let overrides: [String: String]
        let removed: Set<String>
        let entries: [String]
    }

    private static let lastEnvironment = Mutex<BuiltEnvironment?>(nil)

    /// Chooses the program and spawns it. The direct exec is tried first when
    /// it is equivalent to the shell; if exec itself fails, the shell runs the
    /// command instead, so "not found" and "Permission denied" read exactly as
    /// the shell writes them, with the shell's 127 and 126.
    private static func spawn(_ spec: CommandSpec, _ setup: SpawnSetup) throws(SpawnError) -> Int32 {
        // posix_spawnp searches the server's PATH; with another PATH the
        // child's own shell must do the search.
        let ownPath = spec.environment["PATH"] == nil
        let direct: [String]?
        let viaShell: [String]
        switch spec.program {
        case .loginShell:
            return try spawnLoginShell(setup, spec.workingDirectory)
        case .shell(let text):
            direct = ownPath ? ShellFastPath.directArguments(for: text) : nil
            viaShell = ["/bin/sh", "-c", text]
        case .argv(let words):
            direct = ownPath ? words : nil
            // "exec "$@"" runs the words as they are: no splitting, no globbing.
            viaShell = ["/bin/sh", "-c", "exec \"$@\"", "sh"] + words
        }
        let path = spec.workingDirectory
        if let direct {
            var directSetup = setup
            // The environment the shell would have passed on: its PWD, and
            // for a command line only the names it takes in.
            switch ShellStartup.environment(setup.environment, in: setup.workingDirectory, checkNames: spec.program.isCommandLine) {
            case .unchanged: break
            case .replaced(let entries): directSetup.environment = entries
            case .shellNeeded: return try spawnShell(viaShell, setup, path)
            }
            // Found here, the program is executed by its path; not found, the
            // shell below reports it exactly as it would.
            if !direct[0].contains("/") {
                guard let program = resolveExecutable(direct[0], searchPath: Self.searchPath) else {
                    return try spawnShell(viaShell, setup, path)
                }
                directSetup.program = program
                directSetup.searchPath = false
            }
            do {
                return try spawnProcess(direct, directSetup)
            } catch .other(let error) where execErrors.contains(error) {
                // Fall through to the shell.
            } catch {
                throw SpawnError(error, directory: path)
            }
        }
        return try spawnShell(viaShell, setup, path)
    }

    /// The server user's login shell, started as one: its `argv[0]` is its
    /// name after a "-" (login(1), bash(1) "INVOCATION"). `/bin/sh` when the
    /// password database names no shell, or one that cannot be executed.
    private static func spawnLoginShell(_ setup: SpawnSetup, _ path: String?) throws(SpawnError) -> Int32 {
        var shellSetup = setup
        shellSetup.searchPath = false
        let candidates = [ProcessIdentity.loginShell, "/bin/sh"].compactMap { $0 }.filter { $0.hasPrefix("/") }
        for shell in candidates {
            shellSetup.program = shell
            do {
                return try spawnProcess(["-" + (shell.split(separator: "/").last.map(String.init) ?? "sh")], shellSetup)
            } catch .other(let error) where execErrors.contains(error) {
                if shell == candidates.last { throw .cannotExecute(error) }
            } catch {
                throw SpawnError(error, directory: path)
            }
        }
        preconditionFailure("/bin/sh is always a candidate")
    }

    /// This process's `PATH`, read once: the server does not change its environment.
    private static let searchPath = ProcessIdentity.environmentValue("PATH") ?? "/usr/local/bin:/usr/bin:/bin"

    private static func spawnShell(_ viaShell: [String], _ setup: SpawnSetup, _ path: String?) throws(SpawnError) -> Int32 {
        var shellSetup = setup
        shellSetup.searchPath = false
        do {
            return try spawnProcess(viaShell, shellSetup)
        } catch .other(let error) where execErrors.contains(error) {
            throw .cannotExecute(error)
        } catch {
            throw SpawnError(error, directory: path)
        }
    }
}

extension ExecRequest.Command {
    var isCommandLine: Bool {
        if case .shell = self { return true }
        return false
    }
}
