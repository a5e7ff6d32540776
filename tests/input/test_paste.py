"""Each paste repair on lines cut from real samples: the cleaned line is the original, line
numbers stay those of the input, and a clean log is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths, open_input, parse_events
from diagnose.input import paste
from diagnose.input.sources import iter_sources
from diagnose.parsers.charon import CharonParser
from paste_render import backticks, bullets, fenced, fold, nbsp, nn_grp, numbered, quoted, word_wrap
from samples_index import SAMPLES

SERVER = SAMPLES / "lab-no-matching-config" / "server-charon.log"
PROPOSALS = SAMPLES / "lab-esp-proposal-mismatch" / "server-charon.log"


def real_lines(path: Path, needle: str, n: int = 1) -> list[str]:
    """``n`` lines of a real sample starting at the first that contains ``needle``."""
    lines = path.read_text("utf-8").split("\n")
    i = next(i for i, ln in enumerate(lines) if needle in ln)
    return lines[i:i + n]


def events_of(tmp_path: Path, lines: list[str], name: str = "paste.log") -> list[tuple[str, int, str]]:
    f = tmp_path / name
    f.write_text("\n".join(lines) + "\n", "utf-8")
    src = next(iter_sources([str(f)]))
    opened = open_input(src, Options())
    return [(e.kind, e.line, e.text) for e in parse_events(opened)]


# three gateway lines and a client line with a quoted identity (for the typographic quotes)
ORIGINAL = real_lines(SERVER, "no matching peer config found", 3) + \
    real_lines(SAMPLES / "lab-no-certreq" / "client-charon.log", "no trusted RSA public key")

DECORATIONS = {
    "nbsp": nbsp,
    "zero-width": lambda ls: ["\u200b" + ln.replace("]", "]\u200b", 1) for ln in ls],
    "smart-quotes": lambda ls: [ln.replace("'", "\u2019").replace('"', "\u201d") for ln in ls],
    "entities": lambda ls: [ln.replace("'", "&#39;").replace(">", "&gt;").replace("<", "&lt;") for ln in ls],
    "backticks": backticks,
    "html-tags": lambda ls: ["<pre>" + ls[0], *ls[1:-1], "<b>" + ls[-1] + "</b><br>"],
    "fence": fenced,
    "quoted": quoted,
    "quoted-nested": lambda ls: quoted(ls, 2),
    "quoted-compact": lambda ls: [">>" + ln for ls_ in [ls] for ln in ls_],
    "bullets": bullets,
    "bullets-dot": lambda ls: ["\u2022 " + ln for ln in ls],
    "numbers-bar": numbered,
    "numbers-colon": lambda ls: [f"{i}: {ln}" for i, ln in enumerate(ls, 12)],
    "numbers-spaced": lambda ls: [f"  {i}  {ln}" for i, ln in enumerate(ls, 12)],
    "indented-block": lambda ls: ["    " + ln for ln in ls],
    "quoted-backticks": lambda ls: quoted(backticks(ls)),
}


@pytest.mark.parametrize("name", sorted(DECORATIONS))
def test_each_decoration_is_removed_and_nothing_else(name):
    decorated = DECORATIONS[name](ORIGINAL)
    prof = paste.profile(decorated)
    assert prof.cleans
    assert [ln for ln in map(prof.clean, decorated) if ln] == ORIGINAL


@pytest.mark.parametrize("name", sorted(DECORATIONS))
def test_decorated_paste_gives_the_events_of_the_original_at_its_own_line_numbers(name, tmp_path):
    want = events_of(tmp_path, ORIGINAL, "orig.log")
    assert want, "the cut must hold events"
    decorated = DECORATIONS[name](ORIGINAL)
    got = events_of(tmp_path, decorated)
    offset = 1 if name == "fence" else 0  # the opening ``` is line 1 of the paste
    assert [(k, n - offset, t) for k, n, t in got] == want


def test_clean_log_needs_no_repair():
    head = SERVER.read_text("utf-8").split("\n")[:200]
    prof = paste.profile(head)
    assert not prof.cleans and prof.width is None


def test_text_inside_a_message_is_kept():
    # a ">" or "-" or a number inside the message is not decoration
    line = real_lines(SERVER, "looking for peer configs matching")[0]
    prof = paste.profile(quoted([line]))
    assert prof.clean(quoted([line])[0]) == line
    assert "..." in line and prof.clean(line) == line


@pytest.mark.parametrize("wrap", [fold, word_wrap, lambda ls: fold(ls, 80), lambda ls: word_wrap(ls, 76)])
def test_wrapped_lines_are_rejoined_with_the_first_piece_number(wrap, tmp_path):
    lines = real_lines(PROPOSALS, "received proposals", 4)
    assert max(map(len, lines)) > 90
    want = events_of(tmp_path, lines, "orig.log")
    got = events_of(tmp_path, wrap(lines))
    assert [(k, t) for k, _, t in got] == [(k, t) for k, _, t in want]
    pieces = wrap(lines)
    firsts = [i for i, ln in enumerate(pieces, 1) if CharonParser().starts_record(ln)]
    assert [n for _, n, _ in got] == [firsts[n - 1] for _, n, _ in want]


def test_short_unwrapped_lines_are_not_joined():
    lines = real_lines(SERVER, "no matching peer config found", 3)
    prof = paste.profile(lines)
    wrap = paste.wrap_of(list(paste.as_pieces(enumerate(lines))), prof.width, CharonParser().starts_record)
    assert wrap is None


def test_word_wrap_puts_back_the_space_fold_does_not():
    lines = real_lines(PROPOSALS, "received proposals", 1)
    for render, cut in ((fold, True), (word_wrap, False)):
        pieces = render(lines)
        prof = paste.profile(pieces)
        numbered = list(paste.as_pieces(enumerate(pieces)))
        wrap = paste.wrap_of(numbered, prof.width, CharonParser().starts_record)
        assert wrap is not None and wrap.cut is cut
        joined = [t for _, t in paste.rejoined(numbered, wrap, CharonParser().starts_record)]
        assert joined == lines


def test_wrapped_paste_diagnoses_like_the_original(tmp_path):
    f = tmp_path / "server.log"
    f.write_text("\n".join(word_wrap(SERVER.read_text("utf-8").split("\n"))), "utf-8")
    assert [x.id for x in diagnose_paths([str(f)]).findings] == \
        [x.id for x in diagnose_paths([str(SERVER)]).findings]


def test_prose_under_a_whole_message_is_not_glued_onto_it(tmp_path):
    # a mail: wrapped proposal lines, then the decisive line, then the poster's question
    # (prose is decoration, not log text)
    wrapped = word_wrap(real_lines(PROPOSALS, "received proposals", 2))
    decisive = real_lines(SAMPLES / "lab-no-certreq" / "client-charon.log", "no trusted RSA public key")[0]
    cut = nn_grp([decisive])[0]  # NN[GRP] msg: fits the width, long enough that a word could follow
    assert 60 < len(cut) < 72
    want = events_of(tmp_path, [*real_lines(PROPOSALS, "received proposals", 2), cut], "orig.log")
    got = events_of(tmp_path, [*wrapped, cut, "Any idea what is wrong with this config?"])
    assert [k for k, _, _ in got] == [k for k, _, _ in want]
    assert got[-1][2] == cut
