# Shared set-up for scripts/run and scripts/test: a virtual env with the project's deps,
# and, when running as root, the system packages a fresh machine lacks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

need_apt() {
    # need_apt COMMAND PACKAGE: install PACKAGE when COMMAND is missing and we may.
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing $2 (apt-get)" >&2
        if [ -z "${_APT_UPDATED:-}" ]; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
            _APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
    else
        echo "setup: '$1' is missing; install the '$2' package" >&2
        return 1
    fi
}

need_postgres() {
    # PostgreSQL's server programs (initdb, pg_ctl) for the tests' private database. Debian
    # keeps them off PATH, in /usr/lib/postgresql/VERSION/bin.
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
    need_apt initdb postgresql
}

setup_venv() {
    # $1: the extras to install, e.g. "test"
    local extras="$1" stamp want
    if [ ! -x "$VENV/bin/python" ]; then
        echo "setup: creating virtual env in .venv" >&2
        "$PYTHON" -m venv "$VENV"
    fi
    want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-$extras"
    stamp="$VENV/.installed"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "setup: installing Python dependencies" >&2
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[$extras]" >&2
        echo "$want" > "$stamp"
    fi
}

need_axe() {
    # axe-core, which the browser tests load into Chromium (pinned in tests/package.json).
    [ -f "$ROOT/tests/node_modules/axe-core/axe.min.js" ] && return 0
    need_apt npm npm
    echo "setup: installing axe-core (npm ci in tests/)" >&2
    (cd "$ROOT/tests" && npm ci --silent --no-audit --no-fund >&2)
}
