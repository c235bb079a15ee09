#!/usr/bin/env bash
# The man pages (docs/man): one for silo(8) and one per command `silo
# --help` lists, each rendering without a warning, each command's options
# (from its --help usage) named in its page. Prints PASS/FAIL lines for
# tests/run.sh. Usage: tests/man-lint.sh SILO-BINARY
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
SILO=${1:-$TOP/build/silo}

if ! command -v groff >/dev/null; then
  echo "SKIP: man_pages"
  echo "  skip reason: groff is not installed (apt-get install groff-base)"
  exit 0
fi
problems=""
verbs=$("$SILO" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF {print $1}')
[ -n "$verbs" ] || problems="no command list from $SILO --help"
for page in silo $(for v in $verbs; do echo "silo-$v"; done); do
  f=$TOP/docs/man/$page.8
  if [ ! -f "$f" ]; then
    problems+=$'\n'"$page.8: missing"
    continue
  fi
  warn=$(groff -man -ww -z "$f" 2>&1)
  [ -z "$warn" ] || problems+=$'\n'"$page.8: $warn"
  [ "$page" = silo ] && continue
  # every long option of the command's usage appears in its page
  for opt in $("$SILO" "${page#silo-}" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "${opt//-/\\\\-}\|$opt" "$f" || problems+=$'\n'"$page.8: does not describe $opt"
  done
done
for f in "$TOP"/docs/man/*.8; do
  p=$(basename "$f" .8)
  case " silo $(for v in $verbs; do printf 'silo-%s ' "$v"; done)" in
    *" $p "*) ;;
    *) problems+=$'\n'"$p.8: no such command" ;;
  esac
done
if [ -z "$problems" ]; then
  echo "PASS: man_pages"
else
  echo "FAIL: man_pages"
  echo "$problems" | sed '/^$/d; s/^/  /'
fi
