#!/usr/bin/env bash
# Benchmark: `scaffold assess --json` on a generated 100,000-file monorepo where most files sit in
# ignored folders (node_modules/, target/), against a plain walk of the same tree (`find -type f`).
# Prints the medians and the ratio. Target: well under a second. Not run in CI.
# Usage: tests/bench-assess.sh [RUNS] [FILES]
set -euo pipefail
runs=${1:-10}
files=${2:-100000}
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

python3 - "$bin" "$work/repo" "$runs" <<'PY'
import subprocess, sys, time
bin_, repo, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def median(cmd, shell=False):
    subprocess.run(cmd, shell=shell, stdout=subprocess.DEVNULL, check=True)  # warm the cache
    t = []
    for _ in range(runs):
        s = time.perf_counter()
        subprocess.run(cmd, shell=shell, stdout=subprocess.DEVNULL, check=True)
        t.append(time.perf_counter() - s)
    t.sort()
    return t[len(t) // 2], t[0]
walk = median(["find", repo, "-type", "f"])
ours = median([bin_, "assess", "--json", "-C", repo])
print(f"plain walk (find -type f):  median {walk[0]*1e3:7.1f} ms (best {walk[1]*1e3:.1f} ms)")
print(f"scaffold assess --json:     median {ours[0]*1e3:7.1f} ms (best {ours[1]*1e3:.1f} ms)")
print(f"ratio (median):             {ours[0]/walk[0]:.2f}x   target: assess well under 1 s ({'met' if ours[0] < 0.5 else 'NOT met'})")
PY
echo "$runs runs each, warm cache"
