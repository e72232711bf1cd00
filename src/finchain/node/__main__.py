"""`python -m finchain.node --home HOME`: run the node of HOME (the app process of a testnet node).

The same composition root as `finchain node start` (`Node.open`, HOME/node.json), with two
switches for `finchain testnet`, which starts and supervises each node's CometBFT itself:
`--without-cometbft` never starts a CometBFT child, `--no-api` serves no REST API.
Stops cleanly on SIGINT/SIGTERM. A start that fails for a known reason (`node/home_in_use`,
`node/port_in_use`, `node/bad_config`) prints one `error: <code>: <message>` line on stderr and
exits with status 1, as the `finchain` commands do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finchain.errors import FinchainError
from finchain.node.config import load_node_config
from finchain.node.node import Node, configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m finchain.node", description=__doc__)
    parser.add_argument("--home", type=Path, required=True, help="node home (node.json, data)")
    parser.add_argument(
        "--without-cometbft", action="store_true", help="do not start a CometBFT child"
    )
    parser.add_argument("--no-api", action="store_true", help="serve no REST API")
    args = parser.parse_args(argv)
    try:
        config = load_node_config(args.home)
        configure_logging(config.log_level)
        node = Node.open(
            args.home, config, run_cometbft=not args.without_cometbft, serve_api=not args.no_api
        )
        node.serve()
    except FinchainError as err:
        code = getattr(err, "code", "node/error")
        print(f"error: {code}: {getattr(err, 'message', err)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
