"""The keystore, re-exported: it lives in `finchain.keys` (shared by the SDK and the node).

Kept so `finchain.sdk.keystore` imports keep working; new code imports `finchain.keys`.
"""

from __future__ import annotations

from finchain.keys import *  # noqa: F403  (the same public names)
from finchain.keys import __all__ as __all__
