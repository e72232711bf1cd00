#!/usr/bin/env bash
# Build the pinned CometBFT release into the project-local bin/cometbft (used by `finchain testnet`
# and the e2e tests). Skips the build when bin/cometbft already reports the pinned version.
# Needs Go (1.22 or newer) and the Go module proxy; the build takes about a minute from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."

COMETBFT_VERSION="${COMETBFT_VERSION:-0.38.26}"
BIN_DIR="$PWD/bin"

if [ -x "$BIN_DIR/cometbft" ] && [ "$("$BIN_DIR/cometbft" version 2>/dev/null)" = "$COMETBFT_VERSION" ]; then
    echo "cometbft $COMETBFT_VERSION already in bin/cometbft"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "install_cometbft: Go is not installed (or not on PATH)." >&2
    echo "  CometBFT v$COMETBFT_VERSION is built from source with 'go install'; install Go 1.22+" >&2
    echo "  (https://go.dev/doc/install or your package manager), then re-run this script." >&2
    exit 1
fi

echo "building cometbft v$COMETBFT_VERSION into bin/ with $(go version) ..."
mkdir -p "$BIN_DIR"
GOBIN="$BIN_DIR" \
    go install "github.com/cometbft/cometbft/cmd/cometbft@v$COMETBFT_VERSION"

built="$("$BIN_DIR/cometbft" version)"
if [ "$built" != "$COMETBFT_VERSION" ]; then
    echo "install_cometbft: bin/cometbft reports '$built', expected '$COMETBFT_VERSION'" >&2
    exit 1
fi
echo "cometbft $built installed in bin/cometbft"
