"""finchain: a consortium blockchain platform for finance.

Layers (imports point down only; see docs/architecture.md):
cli > node, bench > api, sdk > engine > app > modules > state, store > model
> crypto, codec > errors.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
