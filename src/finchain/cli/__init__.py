"""The `finchain` command line (typer + rich)."""
