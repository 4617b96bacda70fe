#!/usr/bin/env bash
# Benchmark: `scaffold init` of all four foundations, as a whole process, against `cp -r` of the
# tree it writes (the baseline), in a plain folder and in a new git repo, plus scaffold's peak
# memory. Prints the figures and the ratios.
# Targets (issue 12): at most 1.5x the baseline in both, peak RSS under 15 MiB. Usage: tests/bench.sh [RUNS]
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
for i in $(seq "$runs"); do mkdir -p "$work/s$i/demo"; git init -q "$work/g$i/demo"; done

python3 - "$bin" "$work" "$runs" "${args[@]}" <<'PY'
import subprocess, sys, time
bin_, work, runs, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
# Interleaved, so both commands see the same machine (cache, other load): cp, scaffold, cp, ...
# In a git repo (as every real one is) scaffold also asks git which ignored files are tracked.
cp_t, ours_t, git_t = [], [], []
for i in range(runs):
    for cmd, out in (
        (["cp", "-r", f"{work}/ref/demo", f"{work}/c{i}"], cp_t),
        ([bin_, *args, "-C", f"{work}/s{i + 1}/demo"], ours_t),
        ([bin_, *args, "-C", f"{work}/g{i + 1}/demo"], git_t),
    ):
        s = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - s)
def stats(t):
    t = sorted(t)
    return t[len(t) // 2], t[len(t) // 10]
base, ours, in_git = stats(cp_t), stats(ours_t), stats(git_t)
print(f"baseline cp -r:  median {base[0]*1e3:.2f} ms (p10 {base[1]*1e3:.2f} ms)")
print(f"scaffold init:   median {ours[0]*1e3:.2f} ms (p10 {ours[1]*1e3:.2f} ms)")
print(f"ratio:           {ours[0]/base[0]:.2f}x median, {ours[1]/base[1]:.2f}x p10   target <= 1.50x")
print(f"in a git repo:   median {in_git[0]*1e3:.2f} ms (p10 {in_git[1]*1e3:.2f} ms), "
      f"{in_git[0]/base[0]:.2f}x median, {in_git[1]/base[1]:.2f}x p10   target <= 1.50x")
spread = sorted(cp_t)[len(cp_t) * 9 // 10] / base[1]
print(f"noise:           cp -r p90/p10 {spread:.2f}")
PY
# Peak memory of scaffold itself (GNU time reads the child's own rusage after exec).
mkdir -p "$work/mem/demo"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" "${args[@]}" -C "$work/mem/demo" >/dev/null
  cp_kib=$( { /usr/bin/time -f '%M' cp -r "$work/ref/demo" "$work/mem/cp" ; } 2>&1 )
  echo "peak RSS:        $(awk '{printf "%.1f", $1/1024}' "$work/rss") MiB scaffold, $(awk '{printf "%.1f", $1/1024}' <<<"$cp_kib") MiB cp   target < 15 MiB"
else
  echo "peak RSS:        not measured (needs GNU time: apt-get install time)"
fi
echo "tree: $files files, $bytes bytes; $runs runs each"
