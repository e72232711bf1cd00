"""Engines drive the application: `solo` in-process, `abci` for CometBFT (consortium networks)."""
