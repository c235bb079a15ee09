#!/bin/sh
# Build silo's guest vmlinux from Debian's linux-source-6.1:
#   build.sh OUTDIR SRCDIR
# The kernel tree (sources and objects) lives in SRCDIR, outside the silo
# build directory, whose *.d files the top Makefile includes; OUTDIR gets
# only vmlinux and the .config it was built from.
# tinyconfig + silo.config, then check that every option of the fragment
# survived olddefconfig (a dependency missing silently drops an option).
set -eu
out=$1
src=$2
here=$(cd "$(dirname "$0")" && pwd)
tarball=${LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
[ -r "$tarball" ] || { echo "guest-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
mkdir -p "$out" "$src"
out=$(cd "$out" && pwd)
if [ ! -f "$src/Makefile" ]; then
  tar -C "$src" --strip-components=1 -xf "$tarball"
fi
cd "$src"
make -s tinyconfig
scripts/kconfig/merge_config.sh -m -O . .config "$here/silo.config" >/dev/null
make -s olddefconfig
missing=$(grep '^CONFIG_' "$here/silo.config" | while IFS= read -r line; do
  grep -qx "$line" .config || echo "$line"; done)
# ...and that nothing selected an option the fragment turns off.
missing="$missing$(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "$here/silo.config" \
  | while IFS= read -r opt; do if grep -q "^$opt=" .config; then echo " $opt=n"; fi; done)"
if [ -n "$missing" ]; then
  echo "guest-kernel: options dropped by kconfig:" $missing >&2
  exit 1
fi
make -s -j"$(nproc)" vmlinux
cp .config "$out/config"
cp vmlinux "$out/vmlinux"
echo "guest-kernel: $out/vmlinux"
