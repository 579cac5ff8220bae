#!/usr/bin/env bash
# Install the security scanners, each in its own virtual environment under .scanvenv/ (they
# pin libraries the portal also uses, and wapiti3 3.2.x needs its own resolver run: in a
# shared venv pip backtracks it to 3.0/3.1). Pinned; idempotent: a venv whose stamp matches
# its pins is kept. The three installs run side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
declare -A PINS=(
  [semgrep]="semgrep==1.185.0"
  [wapiti]="wapiti3==3.2.3"
  [tools]="bandit==1.9.4 schemathesis==4.32.5"
)
install() {
  local name=$1 pins=$2 dir=.scanvenv/$1
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$pins" ]; then
    echo "   $name: already installed ($pins)"; return 0
  fi
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  # shellcheck disable=SC2086 # the pins are words
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check $pins 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  local pin
  for pin in $pins; do  # the install's own status is lost in the filter: check each pin
    "$dir/bin/python" -m pip show --quiet "${pin%%=*}" >/dev/null \
      || { echo "   $name: $pin did not install" >&2; return 1; }
  done
  echo "$pins" > "$dir/.stamp"
  echo "   $name: installed ($pins)"
}
started=$(date +%s)
pids=()
for name in "${!PINS[@]}"; do install "$name" "${PINS[$name]}" & pids+=($!); done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
echo "scanner tools ready in $(( $(date +%s) - started )) s"
exit $status
