import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// The peers this run can start, found (gevent installed with pip when it is
/// missing) before the first workload, and a note for each one left out.
struct Peers {
    /// The Python servers whose rows this run measures.
    private(set) var python: [PythonPeer] = []
    /// `sshd`'s absolute path (it re-executes itself, so it must be started by one).
    private(set) var sshd: String?
    /// `pdsh`'s path, when it has the `exec` module (`pdsh -R exec`).
    private(set) var pdsh: String?
    /// Why a wanted peer has no rows ("python gevent: skipped: ...").
    private(set) var notes: [String] = []
    /// `scripts/bench/tls-floor.c` built, when a workload measures it (a note says why not, if not).
    private(set) var tlsFloor: String?
    /// `scripts/bench/copy-floor.c` built, when a workload measures it.
    private(set) var copyFloor: String?
    /// `scripts/bench/spawn-floor.c` built, when a workload measures it.
    private(set) var spawnFloor: String?
    /// `scripts/peers` of this repository.
    let scripts: String
    /// Where pip installs gevent when the system's Python lacks it (`.build/bench-python`).
    let pythonPackages: String

    /// The names `--peers` takes, and the contender each one is (pdsh's over
    /// TLS standing for both of its rows).
    static let choices: [(name: String, contender: Contender)] =
        PythonPeer.allCases.map { ("python-\($0.rawValue)", .python($0)) } + [("openssh", .openSSH), ("pdsh", .pdsh(.tls))]

    /// The peers table's columns, in order.
    static let columns: [Contender] = choices.map(\.contender).filter { $0 != .pdsh(.tls) } + ClientTransport.allCases.map(Contender.pdsh)

    /// Each floor is built if one of `workloads` measures it.
    init(wanted: Set<Contender>, repository: String, floorsFor workloads: Set<Workload>, log: (String) -> Void) {
        scripts = repository + "/scripts/peers"
        pythonPackages = repository + "/.build/bench-python"
        let wantedPython = PythonPeer.allCases.filter { wanted.contains(.python($0)) }
        if !wantedPython.isEmpty {
            if Self.findProgram("python3") == nil {
                notes.append("Python servers: skipped: no python3 in PATH")
            } else if (try? FileStatus(path: scripts + "/classic_reply.py")) == nil {
                notes.append("Python servers: skipped: \(scripts)/classic_reply.py is missing")
            } else {
                python = wantedPython.filter { $0 != .gevent }
                if wantedPython.contains(.gevent) {
                    if let problem = ensureGevent(log: log) {
                        notes.append("python gevent: skipped: \(problem)")
                    } else {
                        python.append(.gevent)
                    }
                }
            }
        }
        func build(_ title: String, _ name: String, libraries: [String], if measured: (Workload) -> Bool) -> String? {
            guard workloads.contains(where: measured) else { return nil }
            let (program, note) = Self.buildFloor(title, name, repository: repository, libraries: libraries)
            if let note { notes.append(note) }
            return program
        }
        tlsFloor = build("TLS floor", "tls-floor", libraries: ["-lssl", "-lcrypto"], if: \.measuresTLSFloor)
        copyFloor = build("copy floor", "copy-floor", libraries: ["-lcrypto"], if: \.measuresCopyFloor)
        spawnFloor = build("spawn floor", "spawn-floor", libraries: ["-lpthread"], if: \.measuresSpawnFloor)
        if wanted.contains(.openSSH) {
            // Debian puts sshd in /usr/sbin, which is not in every user's PATH.
            let path = (ProcessIdentity.environmentValue("PATH") ?? "") + ":/usr/sbin:/usr/local/sbin"
            if let sshd = resolveExecutable("sshd", searchPath: path) {
                if Self.findProgram("ssh") == nil || Self.findProgram("ssh-keygen") == nil {
                    notes.append("OpenSSH: skipped: sshd is installed but ssh or ssh-keygen is not")
                } else if !sshd.hasPrefix("/") {
                    notes.append("OpenSSH: skipped: sshd was found at \(sshd), and it must be started by an absolute path")
                } else {
                    self.sshd = sshd
                }
            } else {
                notes.append("OpenSSH: skipped: sshd is not installed (Debian: apt-get install openssh-server)")
            }
        }
        if wanted.contains(.pdsh(.tls)) {
            if let pdsh = Self.findProgram("pdsh") {
                // `pdsh -V` lists the remote command modules it was built with: "rcmd modules: ssh,rsh,exec (default: rsh)".
                let version = (try? run(["pdsh", "-V"])).map { String(decoding: $0.stdout + $0.stderr, as: UTF8.self) } ?? ""
                let modules = version.split(separator: "\n").first { $0.hasPrefix("rcmd modules:") } ?? ""
                if modules.split(whereSeparator: { $0 == " " || $0 == "," }).contains("exec") {
                    self.pdsh = pdsh
                } else {
                    notes.append("pdsh: skipped: \(pdsh) has no exec module (pdsh -V: \(modules.isEmpty ? "no rcmd modules listed" : modules))")
                }
            } else {
                notes.append("pdsh: skipped: pdsh is not installed (Debian: apt-get install pdsh)")
            }
        }
    }

    func contains(_ contender: Contender) -> Bool {
        switch contender {
        case .python(let peer): return python.contains(peer)
        case .openSSH: return sshd != nil
        case .pdsh: return pdsh != nil
        default: return false
        }
    }

    /// `PYTHONPATH` for the Python servers: gevent's directory first, when
    /// pip put it there; nothing added otherwise.
    private var pythonPath: [String: String] {
        guard (try? FileStatus(path: pythonPackages + "/gevent")) != nil else { return [:] }
        return ["PYTHONPATH": pythonPackages + (ProcessIdentity.environmentValue("PYTHONPATH").map { ":" + $0 } ?? "")]
    }

    func start(_ peer: PythonPeer) throws -> ServerUnderTest {
        try ServerUnderTest(name: peer.name, arguments: ["python3", scripts + "/" + peer.script, "0"],
                            environment: pythonPath.isEmpty ? nil
                                : currentEnvironment().filter { !$0.hasPrefix("PYTHONPATH=") } + pythonPath.map { "\($0.key)=\($0.value)" },
                            announcement: "listening on 127.0.0.1:")
    }

    /// `nil` once gevent can be imported, or why it cannot be.
    private func ensureGevent(log: (String) -> Void) -> String? {
        let check = ["python3", "-c", "import gevent"]
        if (try? run(check))?.result.status == .exited(0) { return nil }
        log("gevent is missing; installing it with pip into \(pythonPackages)...")
        // Bounded, so that a machine without a route to the package index
        // gives up in a minute rather than after pip's retries.
        let install = ["python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--timeout", "20", "--retries", "1",
                       "--target", pythonPackages, "gevent"]
        guard let installed = try? run(install) else { return "python3 -m pip could not be started" }
        guard installed.result.status == .exited(0) else {
            let message = String(decoding: installed.stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            return "pip could not install gevent (\(message))"
        }
        return (try? run(check))?.result.status == .exited(0) ? nil : "gevent does not import after pip installed it"
    }

    private func run(_ arguments: [String]) throws -> ChildProcess.Collected {
        try ChildProcess.run(CommandSpec(.argv(arguments), environment: pythonPath), timeout: .seconds(300))
    }

    /// Builds `scripts/bench/NAME.c` with the system's C compiler into
    /// `.build`, as any C program on these libraries is built: its path, or
    /// why there is none. (A C target of the package would be linked by
    /// swiftc, with the Swift runtime, whose loading is no part of a floor.)
    private static func buildFloor(_ title: String, _ name: String, repository: String, libraries: [String]) -> (String?, String?) {
        let source = repository + "/scripts/bench/\(name).c", binary = repository + "/.build/bench-\(name)"
        guard let compiler = findProgram("cc") ?? findProgram("clang") else { return (nil, "\(title): skipped: no cc or clang in PATH") }
        let build = [compiler, "-O2", "-o", binary, source] + libraries
        guard let run = try? ChildProcess.run(CommandSpec(.argv(build)), timeout: .seconds(120)) else {
            return (nil, "\(title): skipped: \(compiler) could not be started")
        }
        guard run.result.status == .exited(0) else {
            // The compiler's first error, not its "In function ..." preamble.
            let lines = String(decoding: run.stderr, as: UTF8.self).split(separator: "\n")
            let message = (lines.first { $0.contains("error") } ?? lines.last).map(String.init) ?? "\(run.result.status)"
            return (nil, "\(title): skipped: \(build.joined(separator: " ")): \(message)")
        }
        return (binary, nil)
    }

    static func findProgram(_ name: String) -> String? {
        resolveExecutable(name, searchPath: ProcessIdentity.environmentValue("PATH") ?? "/usr/bin:/bin")
    }

    /// The directory holding `scripts/peers`: the working directory, or the
    /// checkout around the build directory that holds this executable.
    static func repositoryRoot(binaries: String) -> String {
        var candidate = binaries
        while let slash = candidate.lastIndex(of: "/"), !candidate.isEmpty {
            candidate = String(candidate[..<slash])
            if (try? FileStatus(path: candidate + "/scripts/peers/classic_reply.py")) != nil { return candidate }
        }
        return ProcessIdentity.workingDirectory ?? "."
    }
}
