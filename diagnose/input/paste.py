"""Undo what pasting does to a log before it is detected and parsed.

Support engineers get logs through mail, forums, issue trackers and chat, so a
log arrives decorated (``> `` quote markers, markdown backticks and fences,
bullets, line numbers in front) and damaged (non-breaking and zero-width
spaces and typographic quotes from a web page or editor, HTML entities, lines
hard-wrapped at 72-80 columns).

Whether an input needs any of this is decided once, from its head
(:func:`profile`): a clean log takes no extra step per line at all.  Only
decoration in front of or around a line is removed; message text keeps its
meaning.  Line numbers stay those of the original input (a rejoined line keeps
the number of its first piece), so evidence points at what the user has.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import regex

#: non-breaking and other Unicode spaces -> a plain space; zero-width characters and BOMs dropped;
#: the typographic quotes an editor or web page put for ASCII ones -> ASCII (charon and Apple print
#: only ASCII quotes: charon-messages.tsv and apple-log-formats.md hold no other)
_SPACE_CHARS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"'}
_SPACES = str.maketrans({**{c: " " for c in _SPACE_CHARS}, **{c: None for c in _ZERO_WIDTH}, **_QUOTES})
_ODD_SPACE = regex.compile("[" + _SPACE_CHARS + _ZERO_WIDTH + "".join(_QUOTES) + "]")
_ENTITY = regex.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,7}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
#: HTML formatting tags a web page's copy or a forum post keeps around lines (``<b>...</b>``,
#: ``<pre>``, ``<br>``); only these names, so ``<13>``, ``<private>``, ``<Notice>`` and
#: ``<CLIENT.IP>`` (charon, Apple and masks) are never touched
_TAG = regex.compile(r"</?(?:b|i|u|em|strong|code|pre|br|tt|kbd|samp|span|p|div|font|details|summary)"
                     r"(?:\s[^<>]*)?/?>", regex.IGNORECASE)

# decoration in front of a line; each strips one layer, tried until none applies
_QUOTE = regex.compile(r"^ {0,3}>(?: ?>)* ?")  # "> ", nested "> > " and ">>"
_BULLET = regex.compile(r"^ {0,3}[-*\u2022\u25cf\u25e6] (?=\S)")
_NUMBER = regex.compile(r"^ *(?P<n>\d{1,6})(?::\s|\s*\|\s?|\t|\s{2,})")
_FENCE = regex.compile(r"^ {0,3}(?:```|~~~)[\w+-]*\s*$")

#: a wrapped paste's width: longest line of its head; wider logs were not wrapped by hand
MIN_WIDTH, MAX_WIDTH = 40, 100
#: a word wrap drops the whole run of spaces it breaks at (``log show``'s padded columns), so a
#: piece may continue a line that looks this much shorter than the wrap needed
LOST_SPACE = 8
#: widths people give ``fold -w`` and mail clients wrap at: one piece that long was cut there
FOLD_WIDTHS = frozenset({60, 64, 70, 72, 76, 78, 80})


@dataclass(frozen=True, slots=True)
class PasteProfile:
    """Which repairs an input needs, decided from its head."""

    spaces: bool = False  # Unicode spaces, zero-width characters, typographic quotes
    entities: bool = False  # HTML entities (&gt; &#39; ...) and formatting tags (<b>, <pre> ...)
    quotes: bool = False  # "> " quote markers
    bullets: bool = False  # "- " / "* " / "• " in front of every line
    numbers: bool = False  # line numbers in front of every line
    backticks: bool = False  # markdown inline code or fences
    emphasis: bool = False  # markdown bold markers ("**IDir ... does not match ...**")
    indent: str = ""  # indentation every line shares (markdown code block)
    width: int | None = None  # the column a hard-wrapped paste may have been cut at

    @property
    def cleans(self) -> bool:
        return (self.spaces or self.entities or self.quotes or self.bullets or self.numbers
                or self.backticks or self.emphasis or bool(self.indent))

    def clean(self, line: str) -> str:
        """One line without the decoration this input carries."""
        if self.spaces:
            line = line.translate(_SPACES)
        if self.entities:
            if "<" in line:  # tags first: an unescaped "&lt;b&gt;" is log text, not a tag
                line = _TAG.sub("", line)
            if "&" in line:
                line = html.unescape(line)
        if self.indent and line.startswith(self.indent):
            line = line[len(self.indent):]
        for _ in range(4):  # decoration nests: "> - `12 | line`"
            before = line
            if self.quotes:
                line = _QUOTE.sub("", line, count=1)
            if self.numbers:
                line = _NUMBER.sub("", line, count=1)
            if self.bullets:
                line = _BULLET.sub("", line, count=1)
            if self.backticks and "`" in line:
                line = _unbacktick(line)
            if self.emphasis and "**" in line:
                line = line.replace("**", "")  # no charon or Apple message contains "**"
            if line == before:
                break
        return line


def _unbacktick(line: str) -> str:
    """Markdown code around a line or inline: fences become empty lines, backticks go.

    charon's and Apple's messages never contain a backtick (charon-messages.tsv has none),
    so removing them never changes message text.
    """
    if _FENCE.match(line):
        return ""
    return line.replace("`", "")


def profile(head: list[str]) -> PasteProfile:
    """Decide from the first lines which repairs the whole input needs."""
    lines = [h for h in head if h.strip()]
    if not lines:
        return PasteProfile()
    text = "\n".join(lines)
    spaces = _ODD_SPACE.search(text) is not None
    entities = _ENTITY.search(text) is not None or _TAG.search(text) is not None
    probe = [ln.translate(_SPACES) for ln in lines] if spaces else lines
    n = len(probe)
    # no log line starts with ">" or a bullet: a third of the lines is enough (prose around a
    # quoted log, wrapped pieces that a bullet only marks once)
    backticks = "`" in text
    # a quote marker may sit inside the backticks ("`> line`") as well as outside them
    bare = [_unbacktick(ln) for ln in probe] if backticks else probe
    quotes = max(sum(1 for ln in probe if _QUOTE.match(ln)), sum(1 for ln in bare if _QUOTE.match(ln))) * 3 >= n
    inner = [_QUOTE.sub("", ln, count=1) for ln in probe] if quotes else probe
    if backticks:
        inner = [_unbacktick(ln) for ln in inner]
    bullets = sum(1 for ln in inner if _BULLET.match(ln)) * 3 >= n
    numbers = _numbered(inner)
    indent = _common_indent(probe) if not (quotes or numbers or bullets) else ""
    emphasis = "**" in text
    # widths are measured on the lines as pasted: a wrap cut them with their decoration
    longest = max(map(len, lines))
    width = longest if MIN_WIDTH <= longest <= MAX_WIDTH and len(lines) >= 2 else None
    return PasteProfile(spaces, entities, quotes, bullets, numbers, backticks, emphasis, indent, width)


def _numbered(lines: list[str]) -> bool:
    """Most lines start with a number, and the numbers rise: line numbers, not log text."""
    nums = [int(m["n"]) for m in map(_NUMBER.match, lines) if m]
    return len(nums) * 2 >= len(lines) and len(nums) >= 2 and all(a < b for a, b in zip(nums, nums[1:]))


def _common_indent(lines: list[str]) -> str:
    """Indentation every line shares (4+ spaces or a tab: a markdown code block)."""
    first = lines[0]
    pre = first[: len(first) - len(first.lstrip(" \t"))]
    for ln in lines[1:]:
        while pre and not ln.startswith(pre):
            pre = pre[:-1]
    return pre if (len(pre) >= 4 or pre.startswith("\t")) else ""


#: a line on its way to rejoining: number, cleaned text, and its length as pasted
Piece = tuple[int, str, int]


def cleaned(lines: Iterable[tuple[int, str]], prof: PasteProfile) -> Iterator[Piece]:
    """Each line without its decoration, with its length as pasted (what a wrap measured)."""
    clean = prof.clean
    for lineno, text in lines:
        yield lineno, clean(text), len(text)


def as_pieces(lines: Iterable[tuple[int, str]]) -> Iterator[Piece]:
    """Undecorated lines as pieces: their length as pasted is their own."""
    for lineno, text in lines:
        yield lineno, text, len(text)


def texts(pieces: Iterable[Piece]) -> Iterator[tuple[int, str]]:
    for lineno, text, _ in pieces:
        yield lineno, text


@dataclass(frozen=True, slots=True)
class Wrap:
    """How a paste was wrapped: at ``width`` columns, cut mid-word (``fold``) or at spaces."""

    width: int
    cut: bool = False  # every wrapped piece is exactly ``width`` long: ``fold -w``, spaces kept


def rejoined(lines: Iterable[Piece], wrap: Wrap, starts: Callable[[str], bool],
             cut_lengths: list[int] | None = None,
             complete: Callable[[str], bool] | None = None,
             reads: Callable[[str], bool] | None = None) -> Iterator[tuple[int, str]]:
    """Glue hard-wrapped continuation pieces back onto the line they were cut from.

    A piece continues the line before it when it does not start like a record of the
    format (``starts``) and the line before was long enough that the piece's first
    word would not have fitted on it (a word wrap at ``width``) or was cut exactly at
    ``width`` (``fold``).  The joined line keeps the first piece's number.  A word wrap
    dropped the space it broke at, so one is put back; a ``fold`` cut dropped nothing.
    ``complete`` (optional, per format) says a line is already a whole message, so the
    prose a poster wrote under it is not glued on.  Lengths are those of the pieces as
    pasted (``Piece``): a quote marker or backtick was there when the wrap measured.

    A piece exactly ``width`` long may end at a word (a word wrap that filled the line)
    or inside one (``fold``); where the paste's mode guessed and ``reads`` (optional, per
    format: "I know this message") rejects the result, the other reading is taken if
    the format reads that one.
    """
    width = wrap.width
    held: list = []  # [lineno, text, alternative text or None]
    last_len = 0  # length of the physical piece last added to ``held``
    for lineno, text, raw_len in lines:
        # after a piece cut at exactly the width (fold), leading spaces are where the cut fell,
        # not a format's indentation: only the text decides whether a record starts
        cut_here = wrap.cut and last_len >= width
        if held and text.strip() and _continues(last_len, text, width) \
                and not starts(text.lstrip() if cut_here else text) \
                and not (complete is not None and not cut_here and complete(held[1])):
            prev = held[1]
            if cut_lengths is not None:
                cut_lengths.append(last_len)
            sep = _separator(prev, text, last_len, wrap)
            guessed = last_len >= width and not (prev.endswith(" ") or text.startswith(" "))
            other = held[2] if held[2] is not None else prev
            held[2] = other + (("" if sep else " ") if guessed else sep) + text \
                if (guessed or held[2] is not None) else None
            held[1] = prev + sep + text
            last_len = raw_len
            continue
        if held:
            yield held[0], _settled(held[1], held[2], reads)
        held = [lineno, text, None]
        last_len = raw_len
    if held:
        yield held[0], _settled(held[1], held[2], reads)


def _settled(text: str, other: str | None, reads: Callable[[str], bool] | None) -> str:
    if other is None or reads is None or reads(text):
        return text
    return other if reads(other) else text


def _separator(prev: str, text: str, last_len: int, wrap: Wrap) -> str:
    """What the wrap took out between two pieces: a space where a word wrap broke the line,
    nothing where ``fold`` (or a word wrap chopping an over-long word) cut it at the width."""
    if prev.endswith(" ") or text.startswith(" "):
        return ""
    if last_len < wrap.width:  # short of the width: only a word wrap ends a piece there
        return " "
    return "" if wrap.cut or _cut_word(prev, text, wrap.width) else " "


def _cut_word(prev: str, text: str, width: int) -> bool:
    """A word wrap cuts only a word longer than the width (a proposal list), filling the line
    to the width: no space was lost there."""
    return len(prev.rsplit(" ", 1)[-1]) + len(text.split(" ", 1)[0]) > width


def wrap_of(head: list[Piece], width: int | None, starts: Callable[[str], bool],
            complete: Callable[[str], bool] | None = None) -> Wrap | None:
    """How the head was wrapped as a format with this ``starts`` reads it; None: not wrapped.

    ``fold`` cuts every long line into pieces of exactly ``width``; a mail client's word
    wrap leaves pieces of varying length, so two or more pieces (nine in ten) exactly
    ``width`` long mean ``fold``; one such piece does when ``width`` is one people pass
    to ``fold``.
    """
    if width is None:
        return None
    lengths: list[int] = []
    # probe as if cut: a piece after a full-width line may begin with the space the cut fell on
    for _ in rejoined((p for p in head if p[1].strip()), Wrap(width, cut=True), starts, lengths, complete):
        pass
    if not lengths:
        return None
    full = sum(1 for n in lengths if n >= width)
    # nearly every piece cut at exactly the width (a stray line of prose may be glued on too)
    cut = full * 10 >= len(lengths) * 9 and (full >= 2 or width in FOLD_WIDTHS)
    return Wrap(width, cut=cut)


def rejoin_head(head: list[Piece], width: int | None, starts: Callable[[str], bool],
                complete: Callable[[str], bool] | None = None,
                reads: Callable[[str], bool] | None = None) -> list[str]:
    """The head as a format with this ``starts`` would read it, wrapped pieces rejoined."""
    wrap = wrap_of(head, width, starts, complete)
    if wrap is None:
        return [t for _, t, _ in head]
    return [t for _, t in rejoined(head, wrap, starts, complete=complete, reads=reads)]


def _continues(last_len: int, text: str, width: int) -> bool:
    """Whether a piece may have been wrapped off a line ``last_len`` long: that line was cut at
    the width, or the piece's first word would not have fitted on it."""
    if last_len == 0:
        return False
    if last_len >= width:
        return True
    word = text.lstrip().split(" ", 1)[0]
    return last_len + 1 + len(word) > width - LOST_SPACE
