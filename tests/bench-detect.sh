#!/usr/bin/env bash
# Benchmark: `scaffold init` of every foundation on a fixture repo with projects in folders (a uv
# backend, a pnpm frontend, a Go service, a compose file, 400 source files), in a plain folder and in
# a git repo, against a baseline binary: measures what repo detection (projects, branch, database
# image) costs. Interleaved runs; prints medians, p10s and the ratios. Target (issue 9): at most
# 1.10x a build without detection. Usage: tests/bench-detect.sh BASELINE_BINARY [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
baseline=${1:?usage: tests/bench-detect.sh BASELINE_BINARY [RUNS]}
runs=${2:-60}
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
BINS="{\"before\": \"$baseline\", \"after\": \"$root/target/release/scaffold\"}" python3 - "$runs" <<'PY'
import subprocess, sys, time, os, shutil, tempfile, statistics, json
bins = json.loads(os.environ["BINS"])
work = tempfile.mkdtemp()
def fixture(d, git):
    os.makedirs(d)
    files = {
        "backend/pyproject.toml": "[project]\nname='api'\nrequires-python='>=3.12'\ndependencies=['psycopg']\n",
        "backend/uv.lock": "", "backend/tests/test_x.py": "def test_x(): pass\n",
        "frontend/package.json": '{"packageManager":"pnpm@9.0.0","scripts":{"test":"vitest"}}',
        "frontend/pnpm-lock.yaml": "",
        "services/api/go.mod": "module x\n\ngo 1.22\n",
        "compose.yml": "services:\n  db:\n    image: postgres:16-alpine\n",
    }
    for i in range(200):
        files[f"backend/app/m{i}.py"] = "x = 1\n"
        files[f"frontend/src/c{i}.ts"] = "export const x = 1\n"
    for p, t in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, p)), exist_ok=True)
        open(os.path.join(d, p), "w").write(t)
    if git:
        subprocess.run(["git", "init", "-q", "-b", "master", d], check=True)
args = ["init", "--yes", "--only", "ci,secrets-rbac,backup-restore,staging-parity", "--set", "stage=seed",
        "--set", "ci=github", "--set", "language=python", "--set", "cloud=none", "--set", "database=postgres",
        "--set", "code_owner=@a/b", "--set", "repository=a/b"]
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
env = dict(os.environ, SOURCE_DATE_EPOCH="1768435200", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
for git in (False, True):
    t = {k: [] for k in bins}
    for i in range(runs):
        for k, b in bins.items():  # interleaved
            d = os.path.join(work, f"{k}-{git}-{i}", "demo")
            fixture(d, git)
            s = time.perf_counter()
            subprocess.run([b, *args, "-C", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            t[k].append(time.perf_counter() - s)
    med = {k: statistics.median(v) * 1000 for k, v in t.items()}
    p10 = {k: sorted(v)[len(v) // 10] * 1000 for k, v in t.items()}
    print(f"{'git repo' if git else 'plain folder'}: before {med['before']:.2f} ms (p10 {p10['before']:.2f}), "
          f"after {med['after']:.2f} ms (p10 {p10['after']:.2f}), ratio {med['after']/med['before']:.3f} median, {p10['after']/p10['before']:.3f} p10")
shutil.rmtree(work)
PY
