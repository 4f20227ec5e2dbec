"""Reading an untrusted XML file safely: the one door DDEX messages come in through.

Defences, in order (each failure is an InvalidInput naming the file and the problem):
1. size: the file is refused before it is read when it is larger than `max_bytes` (default
   50 MB; DDEX messages are metadata, megabytes at most);
2. lxml with a hardened parser: entities are never substituted (`resolve_entities=False`), no
   DTD is loaded (`load_dtd=False`), nothing is fetched (`no_network=True`), libxml2's own
   limits stay on (`huge_tree=False`: depth 256, text node size);
3. any DOCTYPE (internal subset, entity declarations, external DTD) is refused outright: DDEX
   messages never have one, so the billion-laughs and XXE shapes are rejected, never expanded;
4. the tree is walked once: more than `max_depth` levels or `max_elements` elements is refused.

Nothing here knows about DDEX; `accord.catalog.ddex` reads the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from accord.errors import InvalidInput

MB = 1024 * 1024


@dataclass(frozen=True)
class XmlLimits:
    max_bytes: int = 50 * MB  # the file, before parsing
    max_depth: int = 64  # element nesting (ERN messages are about 12 deep)
    max_elements: int = 500_000  # elements in the whole document


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True, collect_ids=False)


def read_bytes(path: Path, limits: XmlLimits) -> bytes:
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > limits.max_bytes:
            raise InvalidInput(f"{source}: the file is {size:,} bytes, over the limit of "
                               f"{limits.max_bytes:,} bytes; nothing was imported")
        with open(path, "rb") as f:
            data = f.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise InvalidInput(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{source}: is a directory, not an XML file") from None
    except OSError as exc:
        raise InvalidInput(f"{source}: cannot read the file ({exc.strerror})") from None
    if len(data) > limits.max_bytes:  # it grew while we looked
        raise InvalidInput(f"{source}: the file is over the limit of {limits.max_bytes:,} bytes")
    return data


def parse_xml(data: bytes, source: str, limits: XmlLimits) -> etree._Element:
    """The root element of a well-formed, DOCTYPE-free document within the limits."""
    if len(data) > limits.max_bytes:
        raise InvalidInput(f"{source}: the document is over the limit of "
                           f"{limits.max_bytes:,} bytes")
    if not data.strip():
        raise InvalidInput(f"{source}: the file is empty, not an XML document")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        if b"<!DOCTYPE" in data[:65536] or b"<!ENTITY" in data[:65536]:
            raise InvalidInput(f"{source}: the document has a DOCTYPE with entity declarations "
                               f"and the parser stopped ({exc.msg}); refused, nothing was "
                               "expanded") from None
        raise InvalidInput(f"{source}: not well-formed XML ({exc.msg})"
                           ) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml refuses
        raise InvalidInput(f"{source}: not an XML document ({exc})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InvalidInput(f"{source}: the document has a DOCTYPE (DTD or entity declarations); "
                           "DDEX messages have none, and Accord refuses them (entity expansion "
                           "and external entities are never processed)")
    _check_shape(root, source, limits)
    return root


def _check_shape(root: etree._Element, source: str, limits: XmlLimits) -> None:
    count = depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        if isinstance(el, etree._Entity):  # a reference kept as a node, never substituted
            raise InvalidInput(f"{source}: the document uses entity references; refused")
        count += 1
        depth += 1
        if count > limits.max_elements:
            raise InvalidInput(f"{source}: more than {limits.max_elements:,} elements; "
                               "refused as too large")
        if depth > limits.max_depth:
            raise InvalidInput(f"{source}: elements nested more than {limits.max_depth} deep; "
                               "refused")


def load(path: Path, limits: XmlLimits | None = None) -> tuple[bytes, etree._Element]:
    """Read and parse a file: (its bytes, for hashing; its root element)."""
    limits = limits or XmlLimits()
    data = read_bytes(path, limits)
    return data, parse_xml(data, str(path), limits)
