#!/usr/bin/env bash
# Benchmark: `scaffold assess --json` on a generated 500,000-file monorepo where 95% of the files sit
# in ignored folders (node_modules/, target/), against ripgrep listing the same tree's non-ignored
# files (`rg --files`), interleaved. Prints median and p10 of each and their ratios.
# Target (issue 12): at most 2x `rg --files`. Needs ripgrep (tests/setup.sh installs it). Not run
# in CI. Usage: tests/bench-assess.sh [RUNS] [FILES]
set -euo pipefail
runs=${1:-10}
files=${2:-500000}
command -v rg >/dev/null || { echo "bench-assess: needs ripgrep (rg): apt-get install ripgrep, or run tests/setup.sh" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$target/release/scaffold"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/repo" "$files" <<'PY'
import os, sys
repo, total = sys.argv[1], int(sys.argv[2])
def write(path, text="x\n"):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
count = 0
def add(path, text="x\n"):
    global count
    write(path, text)
    count += 1
add(".gitignore", "node_modules/\ntarget/\ndist/\n.env.local\n")
add("package.json", '{"private": true, "workspaces": ["packages/*"]}\n')
add("package-lock.json", "{}\n")
add("Cargo.toml", '[workspace]\nmembers = ["crates/*"]\n')
add(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    steps:\n      - uses: actions/checkout@v4\n")
add("infra/main.tf", 'provider "aws" {}\nresource "aws_db_instance" "db" { engine = "postgres" }\n')
add("compose.yaml", "services:\n  db:\n    image: postgres:16\n")
# The team's code: 5% of the tree.
own = total // 20
per = 40
for p in range(own // per):
    if p % 2:
        add(f"packages/p{p}/package.json", '{"dependencies": {"pg": "8", "@sentry/node": "8"}}\n')
        ext = "ts"
    else:
        add(f"crates/c{p}/Cargo.toml", '[dependencies]\nsqlx = { version = "0.8", features = ["postgres"] }\n')
        ext = "rs"
    base = f"packages/p{p}/src" if p % 2 else f"crates/c{p}/src"
    for i in range(per - 1):
        add(f"{base}/m{i}.{ext}", f"// module {i}\nexport const value{i} = {i};\n")
# Ignored trees: the rest, split between node_modules (85%) and target (15%).
rest = total - count
nm = rest * 85 // 100
pkg = 0
while count < total - (rest - nm):
    for i in range(30):
        add(f"node_modules/pkg{pkg}/lib/f{i}.js", "module.exports = 1;\n")
    pkg += 1
build = 0
while count < total:
    add(f"target/debug/deps/b{build // 500}/o{build}.d", "x\n")
    build += 1
print(f"generated {count} files in {repo}")
PY

git init -q "$work/repo"
python3 - "$bin" "$work/repo" "$runs" <<'PY'
import subprocess, sys, time
bin_, repo, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmds = {"rg --files": ["rg", "--files", repo], "assess --json": [bin_, "assess", "--json", "-C", repo]}
times = {k: [] for k in cmds}
for cmd in cmds.values():  # warm the cache
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):  # interleaved: rg, scaffold, rg, ...
    for k, cmd in cmds.items():
        s = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times[k].append(time.perf_counter() - s)
def q(k, at):
    t = sorted(times[k])
    return t[min(len(t) - 1, int(len(t) * at))]
for k in cmds:
    print(f"{k:16} median {q(k, .5)*1e3:8.1f} ms   p10 {q(k, .1)*1e3:8.1f} ms   p90/p10 {q(k, .9)/q(k, .1):.2f}")
m = q("assess --json", .5) / q("rg --files", .5)
p = q("assess --json", .1) / q("rg --files", .1)
print(f"assess / rg --files: {m:.2f}x median, {p:.2f}x p10   target <= 2x: {'met' if m <= 2 else 'NOT met'}")
PY
echo "$runs rounds, interleaved, warm cache"
