#!/usr/bin/env bash
# Runs every fuzz target for a fixed number of executions (default 100000),
# from an empty corpus, and prints the executions and seconds each took.
# Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-100000}"
cargo +nightly fuzz build --release
for target in $(cargo +nightly fuzz list); do
    start=$(date +%s%N)
    corpus=$(mktemp -d)
    cargo +nightly fuzz run --release "$target" "$corpus" -- -runs="$runs" -max_len=4096 2> "$corpus.log" \
        || { tail -40 "$corpus.log"; exit 1; }
    tenths=$(( ($(date +%s%N) - start) / 100000000 ))
    printf 'fuzz %-18s %8d executions, %4d.%d s, no crash\n' "$target" "$runs" $((tenths / 10)) $((tenths % 10))
    rm -rf "$corpus" "$corpus.log"
done
