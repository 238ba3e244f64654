// swift-tools-version:6.0
import PackageDescription

// The rooms of the house (see README "How it works"):
//   RSHProtocol  wire format, codec, session and connection state machines, and the vocabulary
//                every room shares (Signal, ExitStatus, CommandOutcome). Imports nothing; no syscalls.
//   RSHSystem    the only module that imports Glibc: descriptors, sockets, poll, epoll, pidfd. It takes
//                its vocabulary from RSHProtocol, as SwiftNIO's NIOPosix takes its types from NIOCore.
//   CRSHSystem   the few Linux calls Swift's Glibc module does not expose.
//   RSHSpawn     posix_spawn, pipes, process groups, exit watching, teardown.
//   RSHTLS       TLS 1.3 as a pure byte transform over memory BIOs, and Ed25519 keys and their
//                formats, from the system's libssl and libcrypto (CLibSSL; CRSHTLS wraps the
//                macros Swift cannot call, and loads the libraries at their first use). The one
//                home of everything cryptographic: SHA-256 for file copies too.
//   RSHFiles     the file side of a copy: a file received into place atomically, a regular
//                file read for sending, a directory's entries, SHA-256 as the bytes go by.
//   CLineEditor  the prompt's line editor: libedit, loaded when the prompt starts.
//   RemoteShell  the three server drivers and the client, on top of the rooms above.
//   RSHTestSupport  helpers for the tests, the benchmark and the fuzzer; no production
//                module depends on it.
let package = Package(
    name: "rsh",
    products: [
        .executable(name: "rshd", targets: ["rshd"]),
        .executable(name: "rsh", targets: ["rsh"]),
        .executable(name: "rsh-bench", targets: ["rsh-bench"]),
        .library(name: "RemoteShell", targets: ["RemoteShell"]),
    ],
    targets: [
        .target(name: "CRSHSystem"),
        // The prompt's line editor on the system's libedit (libedit-dev for its
        // header; libedit2 at run time). Not a .systemLibrary target: that
        // would link libedit into rsh, and loading it and its own libraries
        // costs every start of rsh ~0.5 ms, a fifth of `rsh HOST true`; the
        // prompt loads it with dlopen instead (line_editor.c).
        .target(name: "CLineEditor"),
        .target(name: "RSHProtocol"),
        .target(name: "RSHSystem", dependencies: ["CRSHSystem", "RSHProtocol"]),
        .target(name: "RSHSpawn", dependencies: ["RSHSystem", "RSHProtocol"]),
        // OpenSSL's headers (libssl-dev); nothing links libssl or libcrypto:
        // CRSHTLS loads them on the first call to one of their functions
        // (openssl.c says why).
        .systemLibrary(name: "CLibSSL"),
        .target(name: "CRSHTLS", dependencies: ["CLibSSL"]),
        .target(name: "RSHTLS", dependencies: ["CLibSSL", "CRSHTLS", "RSHProtocol"]),
        .target(name: "RSHFiles", dependencies: ["RSHSystem", "RSHProtocol", "RSHTLS"]),
        .target(name: "RemoteShell", dependencies: ["RSHProtocol", "RSHSystem", "RSHSpawn", "RSHTLS", "RSHFiles", "CLineEditor"]),
        .executableTarget(name: "rshd", dependencies: ["RemoteShell"]),
        // The client is started once per command (`rsh HOST cmd`), so its start-up is on the
        // critical path: a release build carries the Swift runtime inside the binary instead of
        // binding ~6,500 symbols from libswiftCore.so at every start, about 1 ms of each start
        // here, and libstdc++, which that runtime needs, instead of loading libstdc++.so and
        // binding its symbols, 1-2 ms more (see BENCHMARKS.md on the one-shot).
        // `-static-stdlib` asks for `-lstdc++` early in the link line, before some of the
        // Swift libraries that use it (Concurrency, Foundation), so the static library there
        // would leave them unresolved: `link/` holds an empty linker script named libstdc++.so
        // that the linker finds first (it searches the -L directories in order for every -l,
        // wherever it is on the line), and libstdc++.a comes in at the end. libstdc++.a is
        // in Debian's and Ubuntu's libstdc++-N-dev, which the Swift toolchain needs anyway
        // (Fedora and RHEL: libstdc++-static). Release only: the debug test bundle links the
        // rsh module and must share the toolchain's one dynamic runtime with the test frameworks.
        .executableTarget(name: "rsh", dependencies: ["RemoteShell"], exclude: ["link"],
                          linkerSettings: [.unsafeFlags(["-static-stdlib", "-L", Context.packageDirectory + "/Sources/rsh/link",
                                                         "-Xlinker", "-l:libstdc++.a"], .when(configuration: .release))]),
        .target(name: "RSHTestSupport", dependencies: ["RSHProtocol", "RSHSystem"]),
        .executableTarget(name: "rsh-bench", dependencies: ["RemoteShell", "RSHProtocol", "RSHSpawn", "RSHSystem", "RSHTLS",
                                                            "RSHTestSupport"]),
        .testTarget(name: "RSHProtocolTests", dependencies: ["RSHProtocol", "RSHTestSupport"]),
        .testTarget(name: "RSHSpawnTests", dependencies: ["RSHSpawn", "RSHSystem", "RSHTestSupport"]),
        .testTarget(name: "RSHFilesTests", dependencies: ["RSHFiles", "RSHProtocol", "RSHSystem", "RSHSpawn", "RSHTestSupport"]),
        .testTarget(name: "RSHTLSTests", dependencies: ["RSHTLS", "RSHProtocol", "RSHSpawn", "RSHSystem", "RSHTestSupport"]),
        // Runs the real rshd and rsh binaries, so they must be built first.
        .testTarget(name: "RemoteShellTests", dependencies: ["RemoteShell", "RSHProtocol", "RSHSystem", "RSHTLS", "CRSHSystem",
                                                       "RSHTestSupport", "rshd", "rsh"]),
    ],
    swiftLanguageModes: [.v6]
)
