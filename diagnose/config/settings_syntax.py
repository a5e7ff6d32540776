"""A reader for strongSwan's settings syntax (swanctl.conf and strongswan.conf).

Follows ``src/libstrongswan/settings/settings_lexer.l``: sections ``name {}``
(optionally ``name : ref, ref {}``), ``key = value`` where an unquoted value
runs to the end of the line, ``#``, or ``}`` (several words are joined by one
space), double-quoted values with ``\\`` escapes that may span lines, ``#``
comments, and ``include <glob>`` anywhere, resolved relative to the including
file.  Sections with the same name merge and a later key overrides an earlier
one, as in charon.  Every key and section keeps its ``Loc`` so findings can cite
the file and line.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import ConfigError
from .model import Loc

MAX_INCLUDE_DEPTH = 10  # charon's limit, and a guard against include loops


@dataclass(slots=True)
class Setting:
    key: str
    value: str
    loc: Loc


@dataclass(slots=True)
class Section:
    name: str
    loc: Loc | None
    settings: dict[str, Setting] = field(default_factory=dict)
    sections: dict[str, "Section"] = field(default_factory=dict)

    def get(self, key: str) -> Setting | None:
        return self.settings.get(key)

    def section(self, name: str) -> "Section | None":
        return self.sections.get(name)

    def child(self, name: str, loc: Loc) -> "Section":
        """The sub-section ``name``, created on first use (later ones merge)."""
        sec = self.sections.get(name)
        if sec is None:
            sec = Section(name, loc)
            self.sections[name] = sec
        return sec


@dataclass(slots=True)
class _Tok:
    kind: str  # NAME { } = : , VALUE INCLUDE EOF
    text: str
    line: int


_SPECIAL = set("{}=:,#\"")


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n, line = 0, len(text), 1

    def read_quoted(i: int, line: int) -> tuple[str, int, int]:
        out: list[str] = []
        i += 1  # opening quote
        while i < n:
            c = text[i]
            if c == "\\" and i + 1 < n:
                nxt = text[i + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt))
                if nxt == "\n":
                    line += 1
                i += 2
                continue
            if c == '"':
                return "".join(out), i + 1, line
            if c == "\n":
                line += 1
            out.append(c)
            i += 1
        raise ValueError(f"line {line}: unterminated string")

    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\n":
            line += 1
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{},:":
            toks.append(_Tok(c, c, line))
            i += 1
        elif c == "=":
            start_line = line
            i += 1
            parts: list[str] = []
            while i < n:
                c = text[i]
                if c in " \t\r":
                    i += 1
                elif c in "\n#}":
                    break
                elif c == '"':
                    s, i, line = read_quoted(i, line)
                    parts.append(s)
                else:
                    j = i
                    while j < n and text[j] not in '#}"\r\n\t ':
                        j += 1
                    parts.append(text[i:j])
                    i = j
            toks.append(_Tok("=", "=", start_line))
            toks.append(_Tok("VALUE", " ".join(parts), start_line))
        elif c == '"':
            raise ValueError(f"line {line}: unexpected string")
        else:
            j = i
            while j < n and text[j] not in _SPECIAL and text[j] not in " \t\r\n":
                j += 1
            word = text[i:j]
            k = j
            while k < n and text[k] in " \t":
                k += 1
            if word == "include" and k > j and k < n and text[k] not in "=\n":
                # include <pattern>: quoted, or up to whitespace/#/}
                if text[k] == '"':
                    pat, i, line = read_quoted(k, line)
                else:
                    m = k
                    while m < n and text[m] not in "#}\n\t ":
                        m += 1
                    pat, i = text[k:m], m
                toks.append(_Tok("INCLUDE", pat, line))
                continue
            toks.append(_Tok("NAME", word, line))
            i = j
    toks.append(_Tok("EOF", "", line))
    return toks


class _Parser:
    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self.files: list[str] = []

    def parse_file(self, path: Path, into: Section, depth: int = 0) -> None:
        if depth > MAX_INCLUDE_DEPTH:
            raise ConfigError(path, f"includes nested deeper than {MAX_INCLUDE_DEPTH}", "check for an include loop")
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(path, f"cannot read: {exc.strerror or exc}", "pass a readable swanctl.conf/strongswan.conf") from None
        self.files.append(str(path))
        lines = text.splitlines()
        try:
            toks = _lex(text)
        except ValueError as exc:
            raise ConfigError(path, f"syntax error: {exc}", "fix the quoting on that line") from None
        pos = self._body(toks, 0, into, path, lines, depth, nested=False)
        if toks[pos].kind != "EOF":  # pragma: no cover - _body consumes to EOF
            raise ConfigError(path, f"syntax error at line {toks[pos].line}")

    def _loc(self, path: Path, lines: list[str], line: int) -> Loc:
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        return Loc(str(path), line, text)

    def _body(self, toks: list[_Tok], pos: int, sec: Section, path: Path, lines: list[str],
              depth: int, nested: bool) -> int:
        while True:
            tok = toks[pos]
            if tok.kind == "EOF":
                if nested:
                    raise ConfigError(path, f"section '{sec.name}' opened at line "
                                      f"{sec.loc.line if sec.loc else '?'} is never closed", "add the missing '}'")
                return pos
            if tok.kind == "}":
                if not nested:
                    raise ConfigError(path, f"unexpected '}}' at line {tok.line}", "remove it or open the section")
                return pos + 1
            if tok.kind == "INCLUDE":
                self._include(tok.text, sec, path, depth)
                pos += 1
                continue
            if tok.kind != "NAME":
                raise ConfigError(path, f"syntax error at line {tok.line}: unexpected '{tok.text}'",
                                  "expected 'key = value' or 'name {'")
            nxt = toks[pos + 1]
            if nxt.kind == "=":
                val = toks[pos + 2]
                sec.settings[tok.text] = Setting(tok.text, val.text, self._loc(path, lines, tok.line))
                pos += 3
            elif nxt.kind in ("{", ":"):
                pos += 1
                if nxt.kind == ":":  # section references (inheritance); names are skipped
                    pos += 1
                    while toks[pos].kind in ("NAME", ","):
                        pos += 1
                if toks[pos].kind != "{":
                    raise ConfigError(path, f"syntax error at line {toks[pos].line}: expected '{{'")
                child = sec.child(tok.text, self._loc(path, lines, tok.line))
                pos = self._body(toks, pos + 1, child, path, lines, depth, nested=True)
            else:
                raise ConfigError(path, f"syntax error at line {tok.line}: '{tok.text}' is neither "
                                  "'key = value' nor a section", "add '=' or '{'")

    def _include(self, pattern: str, sec: Section, path: Path, depth: int) -> None:
        pat = pattern if os.path.isabs(pattern) else str(path.parent / pattern)
        matches = sorted(glob.glob(pat))
        if not matches:
            if not glob.has_magic(pattern):
                self.warnings.append(f"{path}: include '{pattern}' not found")
            return
        for m in matches:
            self.parse_file(Path(m), sec, depth + 1)


def parse_settings(paths: list[Path], root: Section | None = None,
                   warnings: list[str] | None = None) -> tuple[Section, list[str]]:
    """Parse one or more settings files into one merged tree.

    Returns the root section and the list of files read (includes too).
    """
    root = root or Section("", None)
    parser = _Parser(warnings if warnings is not None else [])
    for p in paths:
        parser.parse_file(Path(p), root)
    return root, parser.files
