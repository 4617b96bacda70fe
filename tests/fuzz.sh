#!/usr/bin/env bash
# A long fuzzing campaign, beyond the bounded one in `cargo test`:
#  - the parsers of the state, answers files, manifests and templates in-process (proptest),
#    LIB_CASES cases each (default 20000);
#  - the real binary on mutated state and answers files, BIN_CASES cases of five commands each
#    (default 1000), every run checked for its exit code, panics, hangs (one-minute deadline) and
#    any change outside its temporary repo.
# Usage: tests/fuzz.sh [LIB_CASES] [BIN_CASES]. A failure prints the minimal failing input.
set -euo pipefail
cd "$(dirname "$0")/.."
lib_cases=${1:-20000}
bin_cases=${2:-1000}
start=$(date +%s)
PROPTEST_CASES=$lib_cases cargo test --locked --lib fuzz:: 2>&1 | grep -E '^(test |test result)'
SCAFFOLD_FUZZ_CASES=$bin_cases cargo test --locked --test integration fuzz:: 2>&1 | grep -E '^(test |test result)'
echo "fuzz: $lib_cases cases per parser and $((bin_cases * 5)) runs of the binary in $(($(date +%s) - start)) s: 0 panics, 0 aborts, 0 hangs, 0 touches outside the temporary repos"
