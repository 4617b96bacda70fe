//! Small realistic repos the toolchain tests build: projects in folders, workspaces, lockfiles
//! made by the projects' own tools (`tests/setup.sh` installs uv, Poetry and pnpm into
//! `target/toolchains`), and tests that leave a marker, so a run can prove they really ran.
//! Written for these tests; no third-party code.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Repo;

/// The environment variable naming the folder where every fixture test writes a marker file (its
/// name) when it runs.
pub(crate) const MARKERS: &str = "TEST_MARKERS";

/// A package manager `tests/setup.sh` installed into `target/toolchains/bin`.
pub(crate) fn toolchain(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/toolchains/bin")
        .join(name);
    assert!(
        path.is_file(),
        "`{name}` is missing at {}: run tests/setup.sh",
        path.display()
    );
    path
}

/// Writes each `(path, text)` into the repo.
fn write_all(repo: &Repo, files: &[(&str, &str)]) {
    for (path, text) in files {
        repo.write(path, text);
    }
}

/// Runs `program args` in the repo's folder `dir` with `envs`, as a developer would to make a
/// lockfile; fails the test with the tool's output if it fails.
fn tool(repo: &Repo, dir: &str, program: &Path, args: &[&str], envs: &[(&str, &Path)]) {
    let out = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .env("UV_PYTHON_DOWNLOADS", "never")
        .current_dir(repo.path().join(dir))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?} in {dir}: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Node test file (`node --test`) that checks `assertion` and leaves the marker `name`.
fn node_test(require: &str, assertion: &str, name: &str) -> String {
    format!(
        "const test = require('node:test');\n\
         const assert = require('node:assert');\n\
         const fs = require('node:fs');\n\
         const path = require('node:path');\n\
         {require}\n\n\
         test('{name}', () => {{\n  {assertion}\n  \
         // The toolchain tests check that this test really ran.\n  \
         if (process.env.{MARKERS}) fs.writeFileSync(path.join(process.env.{MARKERS}, '{name}'), 'ran\\n');\n\
         }});\n"
    )
}

/// A pytest module that checks `assertion` and leaves the marker `name`.
fn pytest_module(import: &str, assertion: &str, name: &str) -> String {
    format!(
        "import os\nimport pathlib\n\n{import}\n\n\n\
         def test_{name}():\n    {assertion}\n    \
         # The toolchain tests check that this test really ran.\n    \
         if os.environ.get(\"{MARKERS}\"):\n        \
         pathlib.Path(os.environ[\"{MARKERS}\"], \"{name}\").write_text(\"ran\\n\")\n"
    )
}

/// A uv API in `backend/` (pytest in its dev group, `uv.lock`) and a pnpm frontend in
/// `frontend/` (`pnpm-lock.yaml`, no pinned pnpm), with a compose file running `postgres:16-alpine`.
pub(crate) fn uv_backend_and_pnpm_frontend(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "backend/pyproject.toml",
                "[project]\nname = \"inventory-api\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
                 dependencies = []\n\n[dependency-groups]\ndev = [\"pytest>=7\"]\n\n\
                 [tool.pytest.ini_options]\npythonpath = [\".\"]\n",
            ),
            (
                "backend/inventory/stock.py",
                "def reserve(available, wanted):\n    \
                 if wanted > available:\n        raise ValueError(\"not enough stock\")\n    \
                 return available - wanted\n",
            ),
            ("backend/inventory/__init__.py", ""),
            (
                "backend/tests/test_stock.py",
                &pytest_module(
                    "from inventory.stock import reserve",
                    "assert reserve(5, 2) == 3",
                    "backend",
                ),
            ),
            (
                "frontend/package.json",
                "{\n  \"name\": \"inventory-web\",\n  \"private\": true,\n  \"scripts\": { \"test\": \"node --test\" }\n}\n",
            ),
            (
                "frontend/src/cart.js",
                "exports.total = (lines) => lines.reduce((sum, l) => sum + l.price * l.qty, 0);\n",
            ),
            (
                "frontend/test/cart.test.js",
                &node_test(
                    "const { total } = require('../src/cart.js');",
                    "assert.strictEqual(total([{ price: 250, qty: 2 }, { price: 100, qty: 1 }]), 600);",
                    "frontend",
                ),
            ),
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres:16-alpine\n    environment:\n      POSTGRES_PASSWORD: dev\n",
            ),
        ],
    );
    tool(repo, "backend", &toolchain("uv"), &["lock", "--quiet"], &[]);
    pnpm_lock(repo, "frontend");
}

/// Writes `pnpm-lock.yaml` in `dir` with the pnpm of `target/toolchains`.
fn pnpm_lock(repo: &Repo, dir: &str) {
    tool(
        repo,
        dir,
        &toolchain("pnpm"),
        &["install", "--lockfile-only", "--silent"],
        &[],
    );
    assert!(
        repo.exists(&format!("{dir}/pnpm-lock.yaml")),
        "pnpm wrote no lockfile"
    );
}

/// A pnpm workspace: `apps/web` uses `packages/ui` (`workspace:*`), each with its own test, and
/// the root's `test` script runs them all.
///
/// No `packageManager` pin: pnpm 12 records the pinned version's package in `pnpm-lock.yaml`, which
/// it cannot on this machine (the registry's signatures are stripped). `pinned_pnpm` covers pins.
pub(crate) fn pnpm_workspace(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "package.json",
                "{\n  \"name\": \"shop\",\n  \"private\": true,\n  \
                 \"scripts\": { \"test\": \"pnpm --recursive test\" }\n}\n",
            ),
            (
                "pnpm-workspace.yaml",
                "packages:\n  - apps/*\n  - packages/*\n",
            ),
            (
                "packages/ui/package.json",
                "{\n  \"name\": \"@shop/ui\",\n  \"version\": \"1.0.0\",\n  \"main\": \"index.js\",\n  \
                 \"scripts\": { \"test\": \"node --test\" }\n}\n",
            ),
            (
                "packages/ui/index.js",
                "exports.price = (cents) => `$${(cents / 100).toFixed(2)}`;\n",
            ),
            (
                "packages/ui/test/price.test.js",
                &node_test(
                    "const { price } = require('../index.js');",
                    "assert.strictEqual(price(1999), '$19.99');",
                    "ui",
                ),
            ),
            (
                "apps/web/package.json",
                "{\n  \"name\": \"@shop/web\",\n  \"private\": true,\n  \
                 \"dependencies\": { \"@shop/ui\": \"workspace:*\" },\n  \
                 \"scripts\": { \"test\": \"node --test\" }\n}\n",
            ),
            (
                "apps/web/test/page.test.js",
                &node_test(
                    "const { price } = require('@shop/ui');",
                    "assert.strictEqual(`Total: ${price(500)}`, 'Total: $5.00');",
                    "web",
                ),
            ),
        ],
    );
    pnpm_lock(repo, ".");
}

/// A Poetry project at the root (`poetry.lock`, pytest in its dev group).
///
/// This machine's package index answers 404 on its per-version JSON API, which Poetry's default
/// source reads, so the project names the index's simple API as its primary source: a
/// test-environment workaround in the fixture, not in anything scaffold writes.
pub(crate) fn poetry_project(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"ledger\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\n\
                 [tool.poetry]\npackages = [{ include = \"ledger\" }]\n\n\
                 [tool.poetry.group.dev.dependencies]\npytest = \">=7\"\n\n\
                 [[tool.poetry.source]]\nname = \"pypi-simple\"\nurl = \"https://pypi.org/simple/\"\npriority = \"primary\"\n\n\
                 [build-system]\nrequires = [\"poetry-core>=2.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n",
            ),
            ("ledger/__init__.py", ""),
            (
                "ledger/balance.py",
                "def balance(entries):\n    return sum(amount for _, amount in entries)\n",
            ),
            (
                "tests/test_balance.py",
                &pytest_module(
                    "from ledger.balance import balance",
                    "assert balance([(\"rent\", -900), (\"salary\", 2500)]) == 1600",
                    "ledger",
                ),
            ),
        ],
    );
    let cache = repo.path().parent().unwrap().join("poetry-lock-cache");
    tool(
        repo,
        ".",
        &toolchain("poetry"),
        &["lock", "--no-interaction"],
        &[("POETRY_CACHE_DIR", &cache)],
    );
}

/// A pnpm package in `web/` whose `packageManager` pins pnpm 10.0.0, with corepack's hash of it.
pub(crate) fn pinned_pnpm(repo: &Repo) {
    repo.write(
        "web/package.json",
        "{\n  \"name\": \"web\",\n  \"private\": true,\n  \"packageManager\": \"pnpm@10.0.0+sha512.\
         b8fef5494bd3fe4cbd4edabd0745df2ee5be3e4b0b8b08fa643aa3e4c6702ccc0f00d68fa8a8c9858a735a0032485a44990ed2810526c875e416f001b17df12b\"\n}\n",
    );
}

/// An npm package in `api/` with a `node --test` test and its `package-lock.json`.
pub(crate) fn npm_api(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "api/package.json",
                "{\n  \"name\": \"orders-api\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \
                 \"scripts\": { \"test\": \"node --test\" }\n}\n",
            ),
            (
                "api/src/orders.js",
                "exports.status = (order) => (order.paidAt ? 'paid' : 'open');\n",
            ),
            (
                "api/test/orders.test.js",
                &node_test(
                    "const { status } = require('../src/orders.js');",
                    "assert.strictEqual(status({ paidAt: '2026-01-15' }), 'paid');",
                    "api",
                ),
            ),
        ],
    );
    tool(
        repo,
        "api",
        Path::new("npm"),
        &["install", "--package-lock-only", "--silent"],
        &[],
    );
}

/// A Cargo workspace: a `pricing` library and a `quote` binary using it, each with a test, and
/// `Cargo.lock`.
pub(crate) fn cargo_workspace(repo: &Repo) {
    let marker = |name: &str| {
        format!(
            "        // The toolchain tests check that this test really ran.\n        \
             if let Some(dir) = std::env::var_os(\"{MARKERS}\") {{\n            \
             std::fs::write(std::path::Path::new(&dir).join(\"{name}\"), \"ran\\n\").unwrap();\n        }}\n"
        )
    };
    let pricing = format!(
        "/// The price after a discount in percent, rounded down to the cent.\n\
         pub fn discounted(cents: u64, percent: u64) -> u64 {{\n    cents * (100 - percent) / 100\n}}\n\n\
         #[cfg(test)]\nmod tests {{\n    #[test]\n    fn takes_the_discount_off() {{\n        \
         assert_eq!(super::discounted(1000, 15), 850);\n{}    }}\n}}\n",
        marker("pricing")
    );
    let quote = format!(
        "fn line(cents: u64) -> String {{\n    format!(\"{{}} cents\", pricing::discounted(cents, 10))\n}}\n\n\
         fn main() {{\n    println!(\"{{}}\", line(2000));\n}}\n\n\
         #[cfg(test)]\nmod tests {{\n    #[test]\n    fn quotes_the_discounted_price() {{\n        \
         assert_eq!(super::line(2000), \"1800 cents\");\n{}    }}\n}}\n",
        marker("quote")
    );
    write_all(
        repo,
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
            ),
            (
                "crates/pricing/Cargo.toml",
                "[package]\nname = \"pricing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("crates/pricing/src/lib.rs", &pricing),
            (
                "crates/quote/Cargo.toml",
                "[package]\nname = \"quote\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\npricing = { path = \"../pricing\" }\n",
            ),
            ("crates/quote/src/main.rs", &quote),
        ],
    );
    tool(
        repo,
        ".",
        Path::new("cargo"),
        &["generate-lockfile", "--offline", "--quiet"],
        &[],
    );
}

/// A Go module in `services/api` (standard library only) with an HTTP handler and its test.
pub(crate) fn go_service(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "services/api/main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\n\
                 func health(w http.ResponseWriter, _ *http.Request) {\n\tfmt.Fprint(w, \"ok\")\n}\n\n\
                 func main() {\n\thttp.HandleFunc(\"/healthz\", health)\n\t_ = http.ListenAndServe(\":8080\", nil)\n}\n",
            ),
            (
                "services/api/main_test.go",
                &format!(
                    "package main\n\nimport (\n\t\"net/http/httptest\"\n\t\"os\"\n\t\"path/filepath\"\n\t\"testing\"\n)\n\n\
                     func TestHealth(t *testing.T) {{\n\trec := httptest.NewRecorder()\n\t\
                     health(rec, httptest.NewRequest(\"GET\", \"/healthz\", nil))\n\t\
                     if rec.Body.String() != \"ok\" {{\n\t\tt.Fatalf(\"body %q\", rec.Body.String())\n\t}}\n\t\
                     // The toolchain tests check that this test really ran.\n\t\
                     if dir := os.Getenv(\"{MARKERS}\"); dir != \"\" {{\n\t\t\
                     if err := os.WriteFile(filepath.Join(dir, \"api\"), []byte(\"ran\\n\"), 0o644); err != nil {{\n\t\t\tt.Fatal(err)\n\t\t}}\n\t}}\n}}\n"
                ),
            ),
        ],
    );
    tool(
        repo,
        "services/api",
        Path::new("go"),
        &["mod", "init", "example.com/api"],
        &[],
    );
}

/// An npm package at the root with a test (for a repo whose default branch is `master`).
pub(crate) fn npm_root(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "package.json",
                "{\n  \"name\": \"legacy\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \
                 \"scripts\": { \"test\": \"node --test\" }\n}\n",
            ),
            (
                "test/app.test.js",
                &node_test("", "assert.ok([1, 2].includes(2));", "legacy"),
            ),
        ],
    );
    tool(
        repo,
        ".",
        Path::new("npm"),
        &["install", "--package-lock-only", "--silent"],
        &[],
    );
}

/// A uv project in `tools/` with a script and no test, and its `uv.lock`.
pub(crate) fn uv_tools_without_tests(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "tools/pyproject.toml",
                "[project]\nname = \"tools\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = []\n",
            ),
            (
                "tools/seed.py",
                "ROWS = [(\"widget\", 3)]\n\nif __name__ == \"__main__\":\n    print(ROWS)\n",
            ),
        ],
    );
    tool(repo, "tools", &toolchain("uv"), &["lock", "--quiet"], &[]);
}

/// An npm package in `site/` with a build script and no test.
pub(crate) fn npm_site_without_tests(repo: &Repo) {
    write_all(
        repo,
        &[
            (
                "site/package.json",
                "{\n  \"name\": \"site\",\n  \"private\": true,\n  \
                 \"scripts\": { \"build\": \"node build.js\" }\n}\n",
            ),
            (
                "site/build.js",
                "require('node:fs').writeFileSync('index.html', '<h1>Shop</h1>\\n');\n",
            ),
        ],
    );
}
