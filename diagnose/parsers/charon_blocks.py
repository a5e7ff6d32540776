"""charon's dominant prefix style read a block at a time: one ``findall`` per block, not a
regex per line.

A gateway's file log (``[time ]NN[GRP] [<name|N> ]msg``) and its syslog copies are most of
what ikedoctor reads, and per-line Python was most of a diagnosis (issue 16).  The reader
hands over whole decoded blocks (``reader.TextBlock``); one compiled regex splits every line
of a block into (line, head, thread, group, name, id, message) in C.  A line takes the fast
way only where the per-line parser (``CharonParser._split``) provably gives the same split:

* its head (what stands before ``NN[GRP]``: a time, or a syslog header) starts with the time
  text of the line before, which the per-line path then reuses as well (the same second
  repeats on many lines); or it is new and read by the per-line parser's own ``_time``; or
  there is no head while the log has shown no time yet;
* ``GRP`` is one of charon's groups and the message is not blank.

Every other line (JSON, journald without ``NN[GRP]``, bare messages, blank ones, a head that
reused a time text the per-line path would not) goes through ``_Run.one``, the per-line
parser itself, in order, sharing its state.  A block where most lines did is followed by
``RETRY_AFTER`` blocks read per line outright (a journald log pays no ``findall``).
The message text then meets the same template cache as the per-line path.

``PER_LINE = True`` turns the block path off (the golden comparison in
``tests/parsers/test_charon_blocks.py`` runs both and requires byte-identical reports).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from ..events import Event
from ..input.reader import TextBlock

if TYPE_CHECKING:
    from .charon import _Run

#: force the per-line parser everywhere (tests compare the two paths)
PER_LINE = False
#: bytes per block handed to ``findall``: 32-256 KB measured alike, 1 MB ~10 % slower (docs/batch.md)
BLOCK_BYTES = 64 * 1024
#: after a block whose lines mostly needed the per-line parser, this many blocks skip ``findall``
RETRY_AFTER = 16

# 1 line, 2 head, 3 thread, 4 group, 5 "name|" (empty: no name), 6 id, 7 message; a line without
# the NN[GRP] mark matches the second branch (groups 2-7 empty).  ``NN[GRP]`` here is where
# ``charon._BODY.search`` finds it: the head is tried empty first (NN[GRP] opening the line);
# then a head without "[" (the thread's digits end at the line's first "[": one place to stop,
# greedy, a quarter faster than lazy); then, for heads such as ``host charon[pid]:``, the
# shortest head of non-blank characters and plain spaces (a tab could let ``_BODY`` find an
# earlier mark).  No head starts with a space, "[" or "{" (JSON records are read per line).
# The group is captured, not spelt out: with ``_BODY``'s ``[A-Z]{3}`` the first mark on the line
# is found, and one of another group sends the line to the per-line parser (which then reads it
# as a line without a mark); an alternation of charon's groups would match a later mark instead.
LINE = re.compile(
    r"^((?:([^\s\[{][^\n\[]*|[^\s\[{][\S ]*?) )??(\d{2,})\[([A-Z]{3})[0-4]?\] (?:<([^|>\n]*\|)?(\d+)> )?(.*)|.*)$",
    re.M)


def parse_blocks(run: "_Run", items: Iterator["tuple[int, str] | TextBlock"]) -> Iterator[Event]:
    """The events of ``items`` (blocks and repaired single lines), exactly as ``run.lines``
    would give them for the same lines; held in ``run.pending`` unless the context streams."""
    from .charon import _GROUPS, _MISSING, _SA_GROUPS, lookup

    ctx, stats, one, cache, strings = run.ctx, run.stats, run.one, run.cache, run.strings
    intern = strings.setdefault
    stream, pending, roles, opens = ctx.stream, run.pending, run.roles, run.opens
    path, side, clock, thread_ctx = ctx.path, ctx.side, run.clock, run.thread_ctx
    event, time_of = run.parser._event, run.parser._time
    findall = LINE.findall
    skip = 0
    for item in items:
        if type(item) is not TextBlock:
            stats.lines += 1
            ev = one(*item)  # type: ignore[misc]
            if ev is not None:
                if stream:
                    yield ev
                else:
                    pending.append(ev)
            continue
        if skip:  # the last block's lines mostly missed the fast split: read this one per line
            skip -= 1
            yield from run.lines(enumerate(item.text.split("\n"), item.first))
            continue
        found = findall(item.text)
        if len(found) != item.count:  # cannot happen for LF-joined lines; never guess
            yield from run.lines(enumerate(item.text.split("\n"), item.first))
            continue
        lineno = item.first - 1
        stats.lines += item.count
        recognised = events = slow = sa_lines = 0
        last, last_ts = run.last_ts_text, run.last_ts
        # the per-line split reuses the time text of the line before when a head starts with it
        reuse = last_ts is not None and last[:1].isalnum() and "[" not in last  # type: ignore[index]
        for raw, head, thread, group, name, uid, msg in found:
            lineno += 1
            if group in _GROUPS and (msg := msg.strip()):
                if not head:  # NN[GRP] opens the line: no time, as long as the log showed none
                    if last is not None or last_ts is not None:
                        head = None
                elif last_ts is not None and head.startswith(last):  # type: ignore[arg-type]
                    if not reuse:
                        head = None
                else:  # a new time text: what _split's search finds before NN[GRP]
                    ts_text, ts = time_of(head + " ", clock, last, last_ts)
                    if ts_text is not last:
                        stats.saw_time(ts_text)
                    last, last_ts = run.last_ts_text, run.last_ts = ts_text, ts
                    reuse = ts is not None and ts_text[:1].isalnum() and "[" not in ts_text  # type: ignore[index]
            else:
                head = None
            if head is None:  # not provably the per-line split: the per-line parser itself
                slow += 1
                ev = one(lineno, raw)
                last, last_ts = run.last_ts_text, run.last_ts
                reuse = last_ts is not None and last[:1].isalnum() and "[" not in last  # type: ignore[index]
                if ev is None:
                    continue
            else:
                recognised += 1
                if uid or group in _SA_GROUPS:
                    sa_lines += 1
                tpl = cache.get(msg, _MISSING)
                if tpl is _MISSING:
                    tpl = lookup(msg, cache)
                if tpl is None:
                    continue
                thread = intern(thread, thread)
                if name:
                    name = name[:-1]
                    name = intern(name, name)
                else:
                    name = None
                uid = intern(uid, uid) if uid else None
                if tpl.sets_ctx and tpl.ctx_set is None:  # reads its thread's context (no_proposal)
                    ev = event(msg, ctx, lineno, raw, last_ts, thread, name, uid, thread_ctx, cache)
                else:  # Event's fields in order: kind, path, line, text, time, side, ike_id, ike_name,
                    # thread, peer, spis, attrs
                    if tpl.sets_ctx:
                        key, value = tpl.ctx_set
                        thread_ctx.setdefault(thread or "-", {})[key] = value
                    ev = Event(tpl.kind, path, lineno, raw, last_ts, side, uid or tpl.env_id,
                               name or tpl.env_name, thread, tpl.peer, tpl.spis, tpl.attrs)
                if tpl.kind == "ike_start":
                    roles[tpl.attrs["role"]] += 1
                elif tpl.role is not None:
                    opens[tpl.role] += 1
                events += 1
            if stream:
                yield ev
            else:
                pending.append(ev)
        stats.recognised += recognised
        stats.sa_lines += sa_lines
        stats.events += events
        if 2 * slow > item.count:  # another style (journald, JSON): findall only adds to its cost
            skip = RETRY_AFTER
