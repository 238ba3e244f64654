import Foundation
import RemoteShell
import RSHProtocol
import Testing

/// What a fan-out prints at its end, from host reports (no servers here:
/// FanOutTests runs the real thing).
@Suite("Fan-out summary")
struct FanOutSummaryTests {
    static func exited(_ host: String, _ code: Int32, _ stdout: String = "", _ stderr: String = "") -> HostReport {
        HostReport(host: host, ending: .finished(CommandOutcome(status: .exited(code), duration: .milliseconds(Int64(host.count)))),
                   stdout: Array(stdout.utf8), stderr: Array(stderr.utf8), duration: .milliseconds(12))
    }

    @Test("equal output and status make one block; equal output with another status does not")
    func gathering() {
        var reports = (1...50).map { Self.exited("node\($0)", 0, "same\n") }
        reports += [Self.exited("node51", 0, "other\n"), Self.exited("node52", 0, "other\n"), Self.exited("node53", 1, "same\n")]
        reports.append(HostReport(host: "node54", ending: .unreachable("connection refused")))
        let text = String(decoding: FanOutSummary.gathered(reports.shuffled(), includingStderr: false), as: UTF8.self)
        #expect(text == """
            ---------------
            node[1-50]
            ---------------
            same
            ---------------
            node[51-52]
            ---------------
            other
            ---------------
            node53 (exited with status 1)
            ---------------
            same

            """)
    }

    @Test("stderr joins the output that groups hosts only when asked (-B)")
    func gatheringStderr() {
        let reports = [Self.exited("a1", 0, "x\n", "warn\n"), Self.exited("a2", 0, "x\n", "")]
        #expect(String(decoding: FanOutSummary.gathered(reports, includingStderr: false), as: UTF8.self).contains("a[1-2]"))
        let both = String(decoding: FanOutSummary.gathered(reports, includingStderr: true), as: UTF8.self)
        #expect(both.contains("\na1\n") && both.contains("\na2\n") && both.contains("warn"))
    }

    @Test("the summary names each reason once, with its hosts folded; unreachable hosts come apart")
    func complaints() {
        let reports = [Self.exited("node07", 1), Self.exited("node12", 1), Self.exited("node01", 0), Self.exited("node03", 2),
                       HostReport(host: "node33", ending: .unreachable("connection refused")),
                       HostReport(host: "node09", ending: .finished(CommandOutcome(status: .signaled(.kill), timedOut: true,
                                                                                     duration: .milliseconds(1500))))]
        #expect(FanOutSummary.complaints(reports) == [
            "node[07,12]: exited with status 1", "node03: exited with status 2", "node09: timed out",
            "node33: connection refused",
        ])
        #expect(FanOutSummary.complaints([Self.exited("a", 0)]).isEmpty)
    }

    @Test("exit status: 0 when all succeed; 1 otherwise; with -S the worst status, 255 for an unreachable host")
    func exitStatus() {
        let fine = [Self.exited("a", 0), Self.exited("b", 0)]
        #expect(FanOutSummary.exitStatus(fine, worst: false) == 0)
        #expect(FanOutSummary.exitStatus(fine, worst: true) == 0)
        let failing = fine + [Self.exited("c", 3), Self.exited("d", 50)]
        #expect(FanOutSummary.exitStatus(failing, worst: false) == 1)
        #expect(FanOutSummary.exitStatus(failing, worst: true) == 50)
        let lost = failing + [HostReport(host: "e", ending: .unreachable("connection refused"))]
        #expect(FanOutSummary.exitStatus(lost, worst: true) == 255)
        let timedOut = [HostReport(host: "t", ending: .finished(CommandOutcome(status: .exited(0), timedOut: true, duration: .seconds(1))))]
        #expect(FanOutSummary.exitStatus(timedOut, worst: false) == 1, "a timeout is never a success")
        #expect(FanOutSummary.exitStatus(timedOut, worst: true) == 124)
    }

    @Test("one JSON object per host, readable by a JSON parser; bytes that are not UTF-8 travel as base64")
    func json() throws {
        let binary = HostReport(host: "b", ending: .finished(CommandOutcome(status: .signaled(.terminate), duration: .zero)),
                                stdout: [0xff, 0x00, 0x41], stderr: Array("é\n".utf8), duration: .milliseconds(7))
        for (report, expected) in [(Self.exited("a", 3, "out\n"), ["host": "a", "exit": 3, "ms": 12, "stdout": "out\n"] as [String: Any]),
                                   (binary, ["host": "b", "signal": "TERM", "stdout": "/wBB", "stdout_encoding": "base64", "stderr": "é\n"]),
                                   (HostReport(host: "c", ending: .unreachable("connection refused")), ["host": "c", "error": "connection refused"])] {
            let line = FanOutSummary.jsonLine(report)
            #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            for key in ["host", "exit", "signal", "timed_out", "ms", "stdout", "stderr", "error"] { #expect(object[key] != nil, "\(key)") }
            for (key, value) in expected { #expect("\(object[key]!)" == "\(value)", "\(key)") }
        }
    }

    @Test("live lines come out whole and prefixed; a partial last line waits, then ends with the host")
    func prefixes() {
        var prefixer = LinePrefixer(host: "node1")
        #expect(prefixer.lines(Array("one\ntw".utf8)) == Array("node1: one\n".utf8))
        #expect(prefixer.lines(Array("o".utf8)).isEmpty)
        #expect(prefixer.lines(Array("\nthree\nfo".utf8)) == Array("node1: two\nnode1: three\n".utf8))
        #expect(prefixer.finish() == Array("node1: fo\n".utf8))
        #expect(prefixer.finish().isEmpty)
        var empty = LinePrefixer(host: "x")
        #expect(empty.lines([UInt8]()).isEmpty && empty.finish().isEmpty)
    }
}
