"""The official XSDs finchain speaks, safe XML parsing, and validation against them.

Owns: which message versions are supported (`MESSAGE_VERSIONS`), the bundled XSD files in
`xsd/` (unmodified copies, see `xsd/README.md`), lazy loading of each schema once, and the two
validation outcomes: input that fails is the sender's fault (`InvalidTransaction`,
`iso20022/schema_invalid`), output that fails is ours (`InternalError`).

Must never: resolve a DOCTYPE, an entity or an external reference in input (XXE and entity
bombs), nor follow `xsi:schemaLocation` hints in a document. Schemas are built at most once per
process (`functools.cache`); concurrent first calls may both build, which is harmless.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal, TypeVar
from xml.etree.ElementTree import Element, ParseError

import xmlschema
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from finchain.errors import InternalError, InvalidTransaction
from finchain.iso20022.errors import (
    ERR_MALFORMED_XML,
    ERR_SCHEMA_INVALID,
    ERR_UNSUPPORTED_MESSAGE,
)

MessageKind = Literal["pacs.002", "pacs.008", "pacs.009", "camt.053"]

MESSAGE_VERSIONS: dict[MessageKind, str] = {
    "pacs.002": "pacs.002.001.10",
    "pacs.008": "pacs.008.001.08",
    "pacs.009": "pacs.009.001.08",
    "camt.053": "camt.053.001.08",
}
"""The one version of each message finchain accepts and emits (message definition id)."""

AcceptedKind = TypeVar("AcceptedKind", bound=MessageKind)

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
XSD_DIR = Path(__file__).parent / "xsd"


def namespace_of(kind: MessageKind) -> str:
    """The XML namespace of the supported version of `kind`."""
    return NAMESPACE_PREFIX + MESSAGE_VERSIONS[kind]


@functools.cache
def load_schema(kind: MessageKind) -> xmlschema.XMLSchema10:
    """The XSD of `kind`, built on first use and cached for the life of the process."""
    return xmlschema.XMLSchema10(str(XSD_DIR / f"{MESSAGE_VERSIONS[kind]}.xsd"))


def parse_xml(xml: bytes) -> Element:
    """Parse untrusted bytes into an element tree; DOCTYPE and entities are refused."""
    try:
        return fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidTransaction(
            ERR_MALFORMED_XML,
            "DOCTYPE, entity and external declarations are not allowed in ISO 20022 messages",
            refused=type(exc).__name__,
        ) from exc
    except ParseError as exc:
        raise InvalidTransaction(
            ERR_MALFORMED_XML, f"the message is not well-formed XML: {exc}", reason=str(exc)
        ) from exc


def find_kind(root: Element, accepted: tuple[AcceptedKind, ...]) -> AcceptedKind:
    """Which of `accepted` the root element's namespace names; else `unsupported_message`."""
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    for kind in accepted:
        if namespace == namespace_of(kind):
            return kind
    raise InvalidTransaction(
        ERR_UNSUPPORTED_MESSAGE,
        f"unsupported message namespace {namespace!r}; accepted: "
        + ", ".join(namespace_of(kind) for kind in accepted),
        namespace=namespace,
        accepted=[MESSAGE_VERSIONS[kind] for kind in accepted],
    )


def validate_input(root: Element, kind: MessageKind) -> None:
    """Raise `iso20022/schema_invalid` naming the first failing path if `root` is invalid."""
    failure = _find_first_failure(root, kind)
    if failure is None:
        return
    path, reason = failure
    version = MESSAGE_VERSIONS[kind]
    raise InvalidTransaction(
        ERR_SCHEMA_INVALID,
        f"{version} does not validate at {path}: {reason}",
        path=path,
        reason=reason,
        message_version=version,
    )


def validate_output(root: Element, kind: MessageKind) -> None:
    """Raise `InternalError` if a message finchain built does not validate (a finchain bug)."""
    failure = _find_first_failure(root, kind)
    if failure is not None:
        path, reason = failure
        raise InternalError(
            f"emitted {MESSAGE_VERSIONS[kind]} is schema-invalid at {path}: {reason}"
        )


def _find_first_failure(root: Element, kind: MessageKind) -> tuple[str, str] | None:
    """(path, reason) of the first XSD violation, names shown without the namespace."""
    namespace = namespace_of(kind)
    error = next(load_schema(kind).iter_errors(root, namespaces={"": namespace}), None)
    if error is None:
        return None
    reason = (error.reason or error.message).replace(f"{{{namespace}}}", "")
    return error.path or "/", reason
