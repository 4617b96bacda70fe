#!/usr/bin/env bash
# Benchmark (issue 12): scaffold on a real-sized repo. Builds the release binary and a generated
# text tree (a git repo: >= 10,000 files, >= 100 MB, non-ASCII text in 5% of its files, an ignored
# build folder), then times, interleaved in one run (each round runs every command once, in turn):
#   assess --json in the tree                     vs rg -c PATTERN over the same tree   target <= 1.5x
#   init --dry-run --only (4 foundations) there   vs the same in an empty repo          target <= 3x
#   init --dry-run (bare, pre-mvp: the leak scan
#     decides secrets-rbac, on a budget) there    vs the same in an empty repo          (reported)
#   init with nothing to do, upgrade --dry-run
#     with nothing new (in a laid repo)           vs a fresh init --dry-run (empty)     target <= 1.5x
#   blueprint lint of the embedded blueprints     absolute                              target <= 0.5 s
# Prints median and p10 of each, the ratios of the medians and of the p10s, and the spread
# (p90/p10) of the baselines as a measure of how noisy the machine was.
# Needs ripgrep (tests/setup.sh installs it from Debian). Usage: tests/bench-real.sh [RUNS]
set -euo pipefail
runs=${1:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
command -v rg >/dev/null || { echo "bench-real: needs ripgrep (rg): apt-get install ripgrep, or run tests/setup.sh" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$target/release/scaffold"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1768435200 GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

python3 - "$work/tree" <<'PY'
import os, random, sys
repo = sys.argv[1]
rng = random.Random(12)
words = ("fn let mut self match return impl struct pub use crate where async await value error "
         "result option some none config build request response handler state parse read write "
         "buffer index count total length offset stream future token cache client server").split()
accents = "é ü ñ ø å ß ç — “quoted” 東京 Привет λ → ✓".split()
def write(path, text):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)
write(".gitignore", "/target/\n*.log\n")
write("Cargo.toml", '[workspace]\nmembers = ["crates/*"]\n')
write("package.json", '{"private": true, "dependencies": {"pg": "8"}}\n')
write("compose.yaml", "services:\n  db:\n    image: postgres:16\n")
files, size = 0, 0
# The team's code: 12,000 files of 9 KB on average, 5% with non-ASCII text.
for i in range(12000):
    lines = []
    for _ in range(rng.randint(80, 300)):
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 10)))
        lines.append("    " + line + ";")
    if i % 20 == 7:
        for k in range(0, len(lines), 9):
            lines[k] += " // " + " ".join(rng.choice(accents) for _ in range(4))
    text = "\n".join(lines) + "\n"
    write(f"crates/c{i // 100}/src/m{i % 100}.rs", text)
    files += 1
    size += len(text.encode())
# Ignored build output: walked past, never read.
for i in range(2000):
    write(f"target/debug/deps/o{i}.d", "x\n" * 50)
print(f"tree: {files} files, {size / 1e6:.0f} MB of text not ignored, 5% non-ASCII; 2000 ignored files")
PY
git init -q -b main "$work/tree"
git init -q -b main "$work/empty"
git init -q -b main "$work/laid"

only=(--yes --only ci,secrets-rbac,backup-restore,staging-parity --set stage=series-a --set ci=github
  --set language=node --set cloud=aws --set database=postgres --set code_owner=@acme/platform
  --set repository=acme/demo)
bare=(--yes --set stage=pre-mvp --set ci=github --set language=node --set cloud=none
  --set database=postgres --set code_owner=@acme/platform --set repository=acme/demo)
"$bin" init "${only[@]}" -C "$work/laid" >/dev/null
mkdir -p "$work/fork"
for id in ci secrets-rbac backup-restore staging-parity; do
  "$bin" blueprint eject "$id" --to "$work/fork" >/dev/null
done

python3 - "$bin" "$work" "$runs" "${only[*]}" "${bare[*]}" <<'PY'
import subprocess, sys, time
bin_, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
only, bare = sys.argv[4].split(" "), sys.argv[5].split(" ")
tree, empty, laid = f"{work}/tree", f"{work}/empty", f"{work}/laid"
cmds = {
    "rg -c": ["rg", "-c", r"AKIA[0-9A-Z]{16}|-----BEGIN", tree],
    "assess": [bin_, "assess", "--json", "-C", tree],
    "init --dry-run --only, empty": [bin_, "init", "--dry-run", *only, "-C", empty],
    "init --dry-run --only, tree": [bin_, "init", "--dry-run", *only, "-C", tree],
    "init --dry-run bare, empty": [bin_, "init", "--dry-run", *bare, "-C", empty],
    "init --dry-run bare, tree": [bin_, "init", "--dry-run", *bare, "-C", tree],
    "init, nothing to do": [bin_, "init", *only, "-C", laid],
    "upgrade --dry-run, nothing new": [bin_, "upgrade", "--dry-run", "--yes", "-C", laid],
    "blueprint lint": [bin_, "blueprint", "lint", f"{work}/fork"],
}
ok = {"rg -c": (0, 1)}
times = {k: [] for k in cmds}
for cmd in cmds.values():  # warm the cache
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    for k, cmd in cmds.items():
        s = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[k].append(time.perf_counter() - s)
        if r.returncode not in ok.get(k, (0,)):
            sys.exit(f"{k}: exit {r.returncode}")
def q(k, at):
    t = sorted(times[k])
    return t[min(len(t) - 1, int(len(t) * at))]
for k in cmds:
    print(f"{k:32} median {q(k, .5)*1e3:8.1f} ms   p10 {q(k, .1)*1e3:8.1f} ms   p90/p10 {q(k, .9)/q(k, .1):.2f}")
def ratio(name, ours, base, target):
    m, p = q(ours, .5) / q(base, .5), q(ours, .1) / q(base, .1)
    print(f"{name:46} {m:5.2f}x median, {p:5.2f}x p10   target <= {target}x: {'met' if m <= target else 'NOT met'}")
print()
ratio("assess / rg -c", "assess", "rg -c", 1.5)
ratio("init --dry-run --only: tree / empty", "init --dry-run --only, tree", "init --dry-run --only, empty", 3)
ratio("init --dry-run bare: tree / empty", "init --dry-run bare, tree", "init --dry-run bare, empty", 3)
ratio("init, nothing to do / fresh init --dry-run", "init, nothing to do", "init --dry-run --only, empty", 1.5)
ratio("upgrade --dry-run / fresh init --dry-run", "upgrade --dry-run, nothing new", "init --dry-run --only, empty", 1.5)
lint = q("blueprint lint", .5)
print(f"{'blueprint lint (embedded blueprints)':46} {lint:5.2f} s median, {q('blueprint lint', .1):.2f} s p10   target <= 0.5 s: {'met' if lint <= 0.5 else 'NOT met'}")
print(f"{runs} rounds, interleaved, warm cache")
PY
