#!/usr/bin/env bash
# Benchmark: `scaffold init` of all four foundations, as a whole process, against `cp -r` of the
# tree it writes (the baseline), plus scaffold's peak memory. Prints the figures and the ratio.
# Targets: at most 2x the baseline, peak RSS under 15 MiB. Usage: tests/bench.sh [RUNS]
set -euo pipefail
runs=${1:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/scaffold"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(init --yes --only ci,secrets-rbac,backup-restore,staging-parity
  --set stage=series-a --set ci=github --set language=node --set cloud=aws --set database=postgres
  --set code_owner=@acme/platform --set repository=acme/demo)

# The tree scaffold writes, to copy for the baseline.
mkdir -p "$work/ref/demo"
"$bin" "${args[@]}" -C "$work/ref/demo" >/dev/null
files=$(find "$work/ref/demo" -type f | wc -l)
bytes=$(du -sb "$work/ref/demo" | cut -f1)
for i in $(seq "$runs"); do mkdir -p "$work/s$i/demo"; done

python3 - "$bin" "$work" "$runs" "${args[@]}" <<'PY'
import os, resource, subprocess, sys, time
bin_, work, runs, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def timed(cmds):
    t = []
    for cmd in cmds:
        s = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        t.append(time.perf_counter() - s)
    t.sort()
    return t[len(t) // 2], t[len(t) // 10]
base = timed([["cp", "-r", f"{work}/ref/demo", f"{work}/c{i}"] for i in range(runs)])
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
ours = timed([[bin_, *args, "-C", f"{work}/s{i + 1}/demo"] for i in range(runs)])
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"baseline cp -r:  median {base[0]*1e3:.2f} ms (p10 {base[1]*1e3:.2f} ms)")
print(f"scaffold init:   median {ours[0]*1e3:.2f} ms (p10 {ours[1]*1e3:.2f} ms)")
print(f"ratio (median):  {ours[0]/base[0]:.2f}x   target <= 2.00x")
print(f"peak RSS:        {peak_kib/1024:.1f} MiB (max of any child; cp's peak before was {before/1024:.1f} MiB)   target < 15 MiB")
PY
echo "tree: $files files, $bytes bytes; $runs runs each"
