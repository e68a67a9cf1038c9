"""Field descriptions read from attribute docstrings when a JSON schema is asked for.

The models document each field with a docstring under it.  pydantic can copy those into
the fields at class creation (``use_attribute_docstrings``), but it reads and parses the
class's source to do so, and for our ~70 models that was a third of ``import
gradient_rules`` (~0.15 s of the CLI's first result).  Only JSON schemas show the
descriptions, so the models set ``json_schema_extra=describe_fields``, which reads them when
a schema is generated instead: the schema is the same, the import is not slowed.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache
from itertools import pairwise
from typing import Any

__all__ = ["attribute_docstrings", "describe_fields"]


@cache
def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstrings written under the annotated attributes in ``cls``'s own body.

    A class whose source cannot be read (defined in a REPL, say) has none.
    """
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    if not tree.body or not isinstance(tree.body[0], ast.ClassDef):
        return {}
    body = tree.body[0].body
    docs: dict[str, str] = {}
    for statement, following in pairwise(body):
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def _docstring(cls: type, name: str) -> str | None:
    """The docstring of field ``name`` in the class that declares it, if any.

    That is the nearest class of the MRO that annotates it, as pydantic reads it: a field
    redeclared without a docstring does not inherit its parent's.
    """
    for klass in cls.__mro__:
        if name in vars(klass).get("__annotations__", {}):
            return attribute_docstrings(klass).get(name)
    return None


def describe_fields(schema: dict[str, Any], cls: type) -> None:
    """``json_schema_extra``: give each property without a description its docstring."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return
    for name, info in getattr(cls, "model_fields", {}).items():
        key = info.alias or name
        prop = properties.get(key)
        if isinstance(prop, dict) and "description" not in prop:
            text = _docstring(cls, name)
            if text is not None:
                prop["description"] = text
