"""The only place that builds `params/` store keys."""

PREFIX = b"params/"
CHAIN_PARAMS_KEY = b"params/chain"
