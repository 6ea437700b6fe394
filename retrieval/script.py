"""How much of a text is Latin script and how much Chinese: the share each encoder can read.

Why one place: the combined embedder scales its MiniLM and Chinese word-vector parts by these
shares, and hybrid search weighs its dense side by them; both must count the same units.
Units: a CJK character is one unit, a Latin word is one unit (digits and punctuation count for
neither side).
"""

from __future__ import annotations

import re

_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def latin_share(text: str) -> float:
    """Latin words / (Latin words + CJK characters); 1.0 for a text with neither (MiniLM reads digits)."""
    cjk = len(_CJK_CHAR.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    return latin / (latin + cjk) if latin + cjk else 1.0
