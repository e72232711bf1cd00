"""Stable error codes of the ISO 20022 edge (codespace `iso20022`).

Each is raised as `finchain.errors.InvalidTransaction`: the message was refused and nothing
happened. A builder that produces schema-invalid XML raises `InternalError` instead (our bug).
"""

from __future__ import annotations

from finchain.errors import register_error

ERR_MALFORMED_XML = register_error(
    "iso20022",
    1,
    "malformed_xml",
    "the bytes are not well-formed XML, or declare a DOCTYPE or entities (refused: XXE, bombs)",
)
ERR_UNSUPPORTED_MESSAGE = register_error(
    "iso20022",
    2,
    "unsupported_message",
    "the root namespace is not a supported ISO 20022 message version",
)
ERR_SCHEMA_INVALID = register_error(
    "iso20022",
    3,
    "schema_invalid",
    "the message does not validate against its official XSD; `details` names the path",
)
ERR_BAD_GROUP_HEADER = register_error(
    "iso20022",
    4,
    "bad_group_header",
    "NbOfTxs, CtrlSum or TtlIntrBkSttlmAmt disagree with the transactions",
)
ERR_BAD_AMOUNT = register_error(
    "iso20022",
    5,
    "bad_amount",
    "the amount has more fraction digits than its currency allows, is zero or is too large",
)
ERR_UNSUPPORTED_CURRENCY = register_error(
    "iso20022",
    6,
    "unsupported_currency",
    "the currency is well-formed but not in finchain's currency table",
)
ERR_MISSING_FIELD = register_error(
    "iso20022",
    7,
    "missing_field",
    "an element optional in the XSD but required by finchain is absent (UETR, agent BIC, date)",
)
