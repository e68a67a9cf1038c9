"""Wrap mixed Chinese and Latin text for a terminal, the way Chinese typesetting does.

Chinese characters take two columns; a line may break between any two of them, but never
so that a line starts with closing punctuation (，。；：）」…) or ends with opening
punctuation (（「《“).  Latin words break at spaces only.  No line carries trailing spaces.
Where a run of closing marks cannot fit, they hang past the width (行尾点号悬挂) rather than
start the next line.
"""

from __future__ import annotations

import functools
import unicodedata

__all__ = ["display_width", "visible", "wrap"]

CLOSING = frozenset("，。、；：？！）」』】》〉”’…—,.;:?!)]}%")
"""Never at the start of a line (they stay with the character before)."""
OPENING = frozenset("（「『【《〈“‘([{")
"""Never at the end of a line (they go with the character after)."""


_INVISIBLE = frozenset(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
     0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
"""Control characters and bidirectional overrides: they could drive a terminal or reorder
what a reader sees.  Tab and line feed stay."""


def visible(text: str) -> str:
    """``text`` with control characters and direction overrides shown as escapes (ESC as x1b)."""
    if not any(ord(char) in _INVISIBLE or 0xD800 <= ord(char) <= 0xDFFF for char in text):
        return text
    out = []
    for char in text:
        code = ord(char)
        if code in _INVISIBLE or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(map(_char_width, text))


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _opens(unit: str) -> bool:
    body = unit.rstrip(" ")
    return bool(body) and body[-1] in OPENING


def _units(text: str) -> list[str]:
    """Unbreakable pieces: a Latin word, one Chinese character, or a space.

    Punctuation is glued to its neighbour: closing to the piece before (across spaces),
    opening to the piece after (likewise).
    """
    units: list[str] = []
    for char in text:
        last = units[-1] if units else ""
        if char == " ":
            if _opens(last):
                units[-1] += " "
            else:
                units.append(" ")
        elif char in CLOSING and units:
            spaces = 0
            while len(units) > 1 and units[-1] == " ":
                units.pop()
                spaces += 1
            if units[-1] == " ":  # nothing before but spaces: nothing to hold on to
                units.append(char)
            else:
                units[-1] += " " * spaces + char
        elif _opens(last):
            units[-1] += char
        elif char in OPENING:
            units.append(char)  # starts a piece; what follows is glued to it
        elif (last and last != " " and not _wide(char) and not _wide(last[-1])
              and last[-1] not in CLOSING):
            units[-1] += char  # continue a Latin word
        else:
            units.append(char)
    return units


def _split_long(unit: str, width: int) -> list[str]:
    """Cut a piece too long for a line; punctuation rules outrank the width here.

    Closing marks hang at the end rather than lead the next line, and opening marks go on
    with the character after them, so a run of marks may overflow a very narrow line.
    """
    pieces, current = [], ""
    openings = "".join(OPENING) + " "
    for char in unit:
        if (current and char not in CLOSING and char != " "
                and display_width(current + char) > width):
            # Opening marks move on with what follows, and so do spaces after them ("（ 智"):
            # the line must not end with an opening mark, and a break drops its spaces.
            body = current.rstrip(openings)
            if body:
                pieces.append(body)
                current = current[len(body):].lstrip(" ")
        current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    """Lines of at most ``width`` columns; ``first`` prefixes the first, ``indent`` the rest."""
    lead = indent if first is None else first
    later_room = max(width - display_width(indent), 2)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, prefix = "", lead
        room = max(width - display_width(prefix), 2)
        for unit in _units(paragraph):
            if unit == " ":
                if current:
                    current += " "
                continue
            candidate = current + unit
            if display_width(candidate.rstrip()) <= room:
                current = candidate
                continue
            if current.strip():
                lines.append((prefix + current).rstrip())
                prefix, room = indent, later_room
            current = unit
            while display_width(current) > room:  # a piece longer than a whole line
                head = _split_long(current, room)[0]
                if head == current:
                    break  # only marks that may not be parted: let them overflow
                lines.append((prefix + head).rstrip())
                prefix, room = indent, later_room
                current = current[len(head):]
        lines.append((prefix + current).rstrip())
        lead = indent
    return lines
