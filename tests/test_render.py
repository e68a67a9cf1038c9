"""Chinese line breaking for the terminal report: properties of the wrapper."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gradient_rules._textwrap import CLOSING, OPENING, display_width, wrap

PIECES = st.sampled_from([
    "智能", "工厂", "梯度", "培育", "，", "。", "；", "：", "（", "）", "《", "》", "“", "”", "、",
    " ", "GB/T", "39116", "level", "3", "maturity", "L2", "-", "…", "—",
])
texts = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=texts, width=st.integers(12, 120), indent=st.sampled_from(["", "  ", "      "]))
@example(text="（（ 智能", width=12, indent="      ")  # a space after opening marks, overflowing
def test_wrapped_lines_fit_lose_nothing_and_respect_punctuation(text: str, width: int,
                                                                indent: str) -> None:
    lines = wrap(text, width, indent=indent + "  ", first=indent)
    marks = "".join(CLOSING | OPENING)
    for number, line in enumerate(lines):
        hanging = line.rstrip("".join(CLOSING) + " ")  # closing marks hang past the width
        if display_width(hanging) > width:  # else only a run of opening marks may push over
            assert len(line.strip().replace(" ", "").strip(marks)) <= 2, (line, width)
        assert line == line.rstrip()
        body = line.strip()
        if number > 0 and body:
            assert body[0] not in CLOSING, (lines, number)
        if number < len(lines) - 1 and body:
            assert body[-1] not in OPENING or len(body) == 1, (lines, number)
    squeezed = "".join(line.strip() for line in lines).replace(" ", "")
    assert squeezed == text.replace(" ", "")


def test_a_closing_mark_carries_the_character_before_it_to_the_next_line() -> None:
    # Width 10 holds five characters; the marks never start a line.
    lines = wrap("工厂建设、研发设计，生产作业。", 10)
    assert all(not line or line[0] not in CLOSING for line in lines)
    assert "".join(lines) == "工厂建设、研发设计，生产作业。"
