#!/usr/bin/env bash
# The machine packages `make test` needs beyond Python, Java and Maven, in one place:
#
#   chromium        headless Chromium renders the HTML reports (tests/e2e/test_assessment_html.py)
#   fonts-noto-cjk  a CJK font, so that the Chinese report shows its characters, not empty boxes
#   libpango-1.0-0, libpangoft2-1.0-0
#                   Pango, which WeasyPrint lays out the case file's PDF with
#                   (`casehub audit export --format pdf`, tests/e2e/test_case_file.py)
#   postgresql      the project's own PostgreSQL (deploy/postgres/pg.sh) for the postgres tier
#   prometheus      promtool checks and unit-tests deploy/prometheus's alert rules (tests/unit/ops)
#
#   deploy/deps.sh      (or `make deps`; `make test` and .ci/run run it first)
#
# Does nothing when everything is there. When something is missing it installs it with Debian's
# apt-get if it runs as root (as CI does), and otherwise stops at once, naming the one command
# that installs it. A package counts as present when what the tests use is: an executable
# `chromium` (or `chromium-browser`), a font fontconfig lists for Chinese (any, not only Noto),
# Pango's libraries where the dynamic linker finds them, PostgreSQL's initdb (PG_BIN, or
# /usr/lib/postgresql/*/bin), `promtool`.
set -euo pipefail

say() { echo "deps.sh: $*"; }
die() { echo "deps.sh: error: $*" >&2; exit 2; }

has_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh-cn family)" ]]; }
has_postgresql() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/initdb" ]]
  else
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
  fi
}
has_promtool() { command -v promtool >/dev/null 2>&1; }
# grep reads to the end (no -q): under pipefail an early exit would fail ldconfig with SIGPIPE.
has_library() { /sbin/ldconfig -p 2>/dev/null | grep "$1" >/dev/null; }

missing() {
  has_chromium || echo chromium
  has_cjk_font || echo fonts-noto-cjk
  has_library 'libpango-1\.0\.so\.0 ' || echo libpango-1.0-0
  has_library 'libpangoft2-1\.0\.so\.0 ' || echo libpangoft2-1.0-0
  has_postgresql || echo postgresql
  has_promtool || echo prometheus
}

mapfile -t packages < <(missing)
if ((${#packages[@]} == 0)); then
  say "chromium, a CJK font, Pango, postgresql and promtool are installed"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  {
    echo "deps.sh: make test needs Debian packages this machine lacks: ${packages[*]}"
    echo "deps.sh: install them with:  sudo make deps"
    echo "deps.sh: (which runs: apt-get install -y ${packages[*]})"
  } >&2
  exit 2
fi

command -v apt-get >/dev/null 2>&1 ||
  die "missing: ${packages[*]}, and no apt-get to install them with (a Debian machine is expected)"
say "installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${packages[@]}" </dev/null

mapfile -t still < <(missing)
((${#still[@]} == 0)) || die "still missing after apt-get install: ${still[*]}"
say "installed ${packages[*]}"
