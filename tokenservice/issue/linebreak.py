"""Where a line may break in scripts written without spaces: Thai words, Chinese characters.

fpdf2 wraps a ``multi_cell`` at spaces (and at U+200B ZERO WIDTH SPACE, which it treats as a
breaking space and drops at a line end). Thai and Chinese have no spaces between words: a
Thai sentence is one "word" to fpdf2, which then cuts it wherever the line is full — inside
a syllable, between a consonant and its vowel — and Chinese runs on until the margin and
may start a line with "。". :func:`breakable` marks the places a line may break with U+200B,
so fpdf2's own wrapping breaks there:

- **Thai**: between dictionary words — each run of Thai letters is cut into words by
  PyThaiNLP's ``newmm`` (maximal matching over its bundled Thai dictionary, with Thai
  character clusters so that a word it does not know is still never cut inside a
  syllable). Loaded only when a text has Thai in it.
- **Chinese** (and Japanese kana): between any two Han characters, after closing and before
  opening punctuation — never before closing punctuation (，。、：；！？）」》… cannot start a
  line) and never after opening punctuation (（「《 cannot end one): the basic kinsoku rule.

A text without Thai or Han is returned as it is. U+200B is invisible in print and in the
fonts' shaping (HarfBuzz treats it as default-ignorable); text taken out of the PDF keeps
it between words, which is also how a screen reader or a search finds Thai words.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Final

__all__ = ["ZWSP", "breakable", "set_lines", "thai_words"]

ZWSP: Final = "\u200b"

_THAI_RUN: Final = re.compile(r"[\u0e00-\u0e7f]+")
_HAN: Final = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
#: Cannot start a line (closing punctuation, the full stop and comma, middle dots, dashes
#: and ellipses that belong to what is before them).
NO_START: Final = frozenset(
    "，。、：；！？）】」』》〉〕〗〙〛］｝〞’”．・ー…‥—～％‰℃,.:;!?)]}%"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々〻")
#: Cannot end a line (opening brackets and quotation marks).
NO_END: Final = frozenset("（【「『《〈〔〖〘〚［｛〝‘“([{")
#: Fullwidth punctuation that takes part in line breaking like a Han character.
_CJK_PUNCT: Final = NO_START | NO_END | frozenset("　")


def _cjk(char: str) -> bool:
    return bool(_HAN.match(char)) or (char in _CJK_PUNCT and ord(char) > 0x2000)


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _han_breaks(text: str) -> str:
    out: list[str] = []
    for i, char in enumerate(text):
        if i:
            before = text[i - 1]
            both = _cjk(before) and _cjk(char)
            # Han next to a Latin letter ("证号DM-…"): a break, as in UAX #14; not next to a
            # digit, so that a date or an amount ("3月12日") stays on one line.
            mixed = ((_HAN.match(before) and _latin(char)) or (_HAN.match(char) and _latin(before)))
            if (both or mixed) and char not in NO_START and before not in NO_END:
                out.append(ZWSP)
        out.append(char)
    return "".join(out)


@lru_cache(maxsize=4096)
def thai_words(run: str) -> tuple[str, ...]:
    """A run of Thai letters cut into words (PyThaiNLP ``newmm``, its bundled dictionary)."""
    # Nothing on disk: PyThaiNLP would otherwise make ~/pythainlp-data (for downloads this
    # service never makes); the dictionary newmm uses ships inside the package.
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    from pythainlp.tokenize import word_tokenize  # ~1 s to load its dictionary: only for Thai

    return tuple(word_tokenize(run, engine="newmm", keep_whitespace=True))


def _thai_breaks(text: str) -> str:
    return _THAI_RUN.sub(lambda m: ZWSP.join(w for w in thai_words(m.group(0)) if w), text)


@lru_cache(maxsize=4096)
def breakable(text: str) -> str:
    """``text`` with U+200B wherever a line may break that has no space (Thai words, Han)."""
    if ZWSP in text:
        return text  # marked already
    if _THAI_RUN.search(text):
        text = _thai_breaks(text)
    if _HAN.search(text):
        text = _han_breaks(text)
    return text


def _same(a: str, b: str) -> bool:
    return a == b or (a == "\u00a0" and b == " ") or (a == " " and b == "\u00a0")


def set_lines(marked: str, lines: list[str]) -> str:
    """``marked`` (with U+200B) broken into ``lines`` with explicit line ends, U+200B removed.

    ``lines`` are the lines a layout engine made of ``marked``: its visible characters in
    order, without the characters it broke at (a U+200B or a space) and without markup it
    hides (fpdf2's markdown markers, which are kept in place here). If the lines do not
    match the text, ``marked`` is returned without its U+200B: wrapped as before, never
    garbled.
    """
    out: list[str] = []
    k = 0
    for number, line in enumerate(lines):
        for char in line:
            skipped = 0
            while k < len(marked) and not _same(marked[k], char):
                if marked[k] not in "*_-~\\" + ZWSP:  # only markup may lie between
                    return marked.replace(ZWSP, "")
                out.append(marked[k])
                k += 1
                skipped += 1
            if k == len(marked):
                return marked.replace(ZWSP, "")
            out.append(marked[k])
            k += 1
        if number == len(lines) - 1:
            break
        # Between this line and the next: markup, and the character the line broke at.
        nxt = lines[number + 1][:1]
        span_end = k
        while span_end < len(marked) and not (nxt and _same(marked[span_end], nxt)) \
                and (marked[span_end] in "*_-~\\ \n" + ZWSP):
            span_end += 1
        span = marked[k:span_end]
        if "\n" not in span:
            at = next((i for i, c in enumerate(span) if c in (ZWSP, " ")), None)
            span = span + "\n" if at is None else span[:at] + "\n" + span[at + 1:]
        out.append(span)
        k = span_end
    out.append(marked[k:])
    return "".join(out).replace(ZWSP, "")
