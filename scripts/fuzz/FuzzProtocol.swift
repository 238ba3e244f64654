// libFuzzer entry point over the protocol core, compiled by scripts/fuzz.sh
// (swiftc -sanitize=fuzzer,address) together with
// Sources/RSHTestSupport/ProtocolSelfCheck.swift, against the RSHProtocol
// module. The exercise itself is ProtocolSelfCheck, which `swift test` also
// runs over the kept corpus.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    ProtocolSelfCheck.exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
