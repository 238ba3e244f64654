#!/usr/bin/env bash
# Fuzzes the protocol core (frame decoder, message decoding, server session)
# with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh [SECONDS]        run for SECONDS (default 60)
#   scripts/fuzz.sh --runs N         run N inputs instead
#
# The corpus lives in scripts/fuzz/corpus (seeded from proto/vectors) and is
# replayed by `swift test`. A crashing input is saved in
# proto/vectors/fuzz-crashes/, which `swift test` also replays: fix the bug,
# keep the file as a regression vector.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.build-fuzz"
corpus="$root/scripts/fuzz/corpus"
crashes="$root/proto/vectors/fuzz-crashes"
mkdir -p "$work/modules" "$corpus" "$crashes"

limit=(-max_total_time="${1:-60}")
if [[ "${1:-}" == "--runs" ]]; then limit=(-runs="${2:?--runs needs a count}"); fi

if [[ -z "$(ls -A "$corpus")" ]]; then
    python3 - "$root/proto/vectors" "$corpus" <<'PY'
import json, os, sys
vectors, corpus = sys.argv[1], sys.argv[2]
def assemble(parts):
    out = b""
    for p in parts:
        out += bytes.fromhex(p) if isinstance(p, str) else bytes.fromhex(p["fill"]) * p["count"]
    return out
seeds = []
for name in ("frames.json", "invalid-frames.json"):
    for v in json.load(open(os.path.join(vectors, name))):
        data = assemble(v["parts"])
        if len(data) < 4096:
            seeds.append(b"\x00\x00RSH" + data if v.get("direction") == "client" else b"\x07" + data)
for v in json.load(open(os.path.join(vectors, "sessions.json"))):
    seeds.append(b"\x05" + bytes.fromhex("".join(v["client"])))
seeds.append(b"\x10ls -l\n")
for i, seed in enumerate(seeds):
    open(os.path.join(corpus, "seed-%03d" % i), "wb").write(seed)
PY
fi

echo "building the fuzzer (swiftc -sanitize=fuzzer,address)..."
# Two modules, as in the package: the protocol core, and the exercise of it
# (RSHTestSupport's ProtocolSelfCheck) with the libFuzzer entry point.
rm -f "$work/fuzz-protocol"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name RSHProtocol \
    -emit-module -emit-module-path "$work/modules/RSHProtocol.swiftmodule" \
    -emit-library -static -o "$work/libRSHProtocol.a" \
    "$root"/Sources/RSHProtocol/*.swift
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name RSHProtocolFuzz -I "$work/modules" \
    "$root/Sources/RSHTestSupport/ProtocolSelfCheck.swift" "$root/scripts/fuzz/FuzzProtocol.swift" \
    "$work/libRSHProtocol.a" -o "$work/fuzz-protocol" 2>&1 | grep -v "Cannot export local symbol" || true
test -x "$work/fuzz-protocol"

# New corpus entries go to a scratch directory and are merged (minimized)
# into the kept corpus afterwards, so the repository holds a small one.
rm -rf "$work/new" && mkdir -p "$work/new"
# ASan's quarantine (256 MB by default) would count against -rss_limit_mb
# and report an "out-of-memory" that is not ours; keep it small.
export ASAN_OPTIONS="quarantine_size_mb=16:malloc_context_size=8${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
status=0
"$work/fuzz-protocol" "${limit[@]}" -rss_limit_mb=256 -malloc_limit_mb=64 -max_len=8192 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$work/new" "$corpus" || status=$?
"$work/fuzz-protocol" -merge=1 "$corpus" "$work/new" >/dev/null 2>&1 || true
if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: the fuzzer found a crash; the input is in $crashes" >&2
    exit $status
fi
echo "fuzz.sh: clean"
