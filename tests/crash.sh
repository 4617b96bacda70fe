#!/usr/bin/env bash
# Crash consistency, long run: kills `scaffold init` and `scaffold upgrade` (SIGKILL) at ROUNDS
# moments spread over a whole run each (default 200), and checks after every kill that the state
# agrees with the files and that the rerun leaves the tree of a run never killed.
# Usage: tests/crash.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
SCAFFOLD_CRASH_ROUNDS=$rounds cargo test --locked --test integration crash:: -- --nocapture --test-threads=1 2>&1 |
  grep -oE '(crash: .*|test result.*)'
