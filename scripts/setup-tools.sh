#!/usr/bin/env bash
# Installs the host tools some tests use, from Debian's packages:
#   clang, llvm           compile the bundled BPF C sources (fixture regeneration)
#   binutils-riscv64-linux-gnu  objdump, to check the RV64 disassembler
#   qemu-user             qemu-riscv64, to run JIT images natively
#   chromium              the site's end-to-end tests
# Tests that need a tool skip with one line where it is missing, so this is optional.
# Needs root and apt-get; does nothing (and says so) elsewhere.
set -u
want=(clang llvm binutils-riscv64-linux-gnu qemu-user chromium)
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  echo "setup-tools: needs root and apt-get; skipping (tests that need ${want[*]} will skip)"
  exit 0
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-tools: all present (${want[*]})"
  exit 0
fi
echo "setup-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "setup-tools: apt-get install failed; tests that need ${missing[*]} will skip"
exit 0
