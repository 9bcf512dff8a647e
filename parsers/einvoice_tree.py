"""Namespace-blind walking of a parsed e-invoice: elements by local name along a path, their text and IDs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class Node(Protocol):
    """The part of an lxml element the e-invoice readers use."""

    @property
    def tag(self) -> object:
        """``{namespace}local`` for an element; something else for comments and processing instructions."""

    @property
    def text(self) -> str | None:
        """The text before the first child."""

    @property
    def tail(self) -> str | None:
        """The text after this node, up to its next sibling."""

    def get(self, key: str) -> str | None:
        """An attribute's value."""

    def __iter__(self) -> Iterator[Node]:
        """The children, comments and processing instructions included."""


def local_name(node: Node) -> str:
    """The element's name without its namespace ("" for a comment or a processing instruction)."""
    tag = node.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(node: Node) -> str:
    """The element's namespace URI ("" when it has none)."""
    tag = node.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def find_all(node: Node, path: str) -> list[Node]:
    """Every element reached from ``node`` by the ``/``-separated local names of ``path``, in order."""
    nodes = [node]
    for step in path.split("/"):
        nodes = [child for parent in nodes for child in parent if local_name(child) == step]
    return nodes


def find(node: Node, path: str) -> Node | None:
    """The first element at ``path`` under ``node``, or None."""
    found = find_all(node, path)
    return found[0] if found else None


def text_of(node: Node) -> str | None:
    """The element's own text (comments inside it skipped), stripped; None when blank."""
    skipped = (child.tail or "" for child in node if not isinstance(child.tag, str))
    return "".join((node.text or "", *skipped)).strip() or None


def text_at(node: Node, path: str) -> str | None:
    """The first non-blank text among the elements at ``path``."""
    return next((text for found in find_all(node, path) if (text := text_of(found)) is not None), None)


def scheme_ids(node: Node, path: str) -> tuple[tuple[str, str], ...]:
    """(schemeID, value) of each non-blank element at ``path``; the scheme is "" when not given."""
    return tuple(
        ((found.get("schemeID") or "").strip(), text)
        for found in find_all(node, path)
        if (text := text_of(found)) is not None
    )


def amount_in(nodes: list[Node], currency: str | None) -> str | None:
    """The first amount written in ``currency`` (or with no currencyID) among ``nodes``, else the first one.

    CII and UBL repeat the VAT total in the accounting currency when it differs from the invoice currency.
    """
    ranked = sorted(nodes, key=lambda node: (node.get("currencyID") or currency) != currency)
    return next((text for node in ranked if (text := text_of(node)) is not None), None)
