import Foundation

/// Where `swift build` put the executables: next to the test bundle.
enum Binaries {
    static let directory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test bundle is a directory on some toolchains (…/rshPackageTests.xctest/rshPackageTests).
        if url.lastPathComponent.hasSuffix(".xctest") { url = url.deletingLastPathComponent() }
        return url.path
    }()
    static let rshd = directory + "/rshd"
    static let rsh = directory + "/rsh"
}
