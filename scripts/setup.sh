#!/usr/bin/env bash
# Set up a finchain development environment from scratch: a virtual environment in .venv
# with finchain and its development tools installed (editable).
# It also builds the pinned CometBFT into bin/cometbft (scripts/install_cometbft.sh) when Go is
# on PATH; without Go the embedded solo engine (`finchain dev`) still works. Set
# FINCHAIN_REQUIRE_COMETBFT=1 (CI does) to make a missing Go toolchain an error.
# Re-running is cheap: pip skips what is installed, the CometBFT build is skipped when present.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "finchain needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
echo "finchain installed in .venv ($(.venv/bin/finchain --version))"

if command -v go >/dev/null 2>&1 || [ "${FINCHAIN_REQUIRE_COMETBFT:-0}" = "1" ]; then
    bash scripts/install_cometbft.sh
else
    echo "note: Go is not on PATH, so bin/cometbft was not built; consortium networks" \
        "(finchain testnet) need it, the solo engine (finchain dev) does not." >&2
fi
