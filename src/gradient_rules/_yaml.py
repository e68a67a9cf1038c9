"""The strict YAML loader, in a module of its own so that PyYAML is imported only when needed.

Reading a YAML application is the only use; importing PyYAML costs ~10 ms, which every
other command (and every JSON application) would otherwise pay at start-up.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["StrictLoader"]


class StrictLoader(yaml.SafeLoader):
    """The safe loader without anchors, aliases or explicit tags, refusing duplicate keys."""

    def fetch_alias(self) -> None:
        raise yaml.scanner.ScannerError(None, None, "aliases (*name) are not accepted",
                                        self.get_mark())

    def fetch_anchor(self) -> None:
        raise yaml.scanner.ScannerError(None, None, "anchors (&name) are not accepted",
                                        self.get_mark())

    def fetch_tag(self) -> None:
        raise yaml.scanner.ScannerError(None, None, "tags (!tag) are not accepted",
                                        self.get_mark())

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be text", key_node.start_mark) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {str(key)[:60]!r} is given twice", key_node.start_mark)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping
