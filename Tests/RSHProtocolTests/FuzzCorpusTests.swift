import Foundation
import RSHTestSupport
import Testing

/// The fuzzer's kept corpus and every crash it ever found, replayed through
/// the same exercise the fuzzer runs (scripts/fuzz.sh).
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ path: String) -> [URL] {
        let directory = root.appendingPathComponent(path)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test("every corpus input and every past crash runs clean")
    func replay() throws {
        let inputs = Self.files("scripts/fuzz/corpus") + Self.files("proto/vectors/fuzz-crashes")
        #expect(inputs.count >= 50, "the corpus is missing")
        for url in inputs {
            ProtocolSelfCheck.exercise(Array(try Data(contentsOf: url)))
        }
    }
}
