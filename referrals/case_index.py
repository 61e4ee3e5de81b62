"""What the case list reads instead of the referrals: kept in the transaction of each write.

- ``cases.current_*``: the case's latest referral, its state, its receiver and the deadline that
  counts now (``views.current_due``), copied by ``follow`` in every ``moves.move``;
- ``case_agencies``: who may see a case (``referrals.visibility``' rule as rows): the agency that
  took it in and the court an application went to (added when their rows are flushed), and both
  ends of each referral (added by ``follow`` when it is sent);
- ``case_grams``: every one- and two-character piece of the case's number, 警情号 and party names,
  and every four-digit piece of their runs of digits (rewritten when one of them is flushed), so
  that ``q=王`` or ``q=小明`` is an index lookup, and ``q=000123`` one of three rare pieces rather
  than of pairs like ``00`` and ``12``, each in a fifth of a million numbers.

The flush hook catches ORM writes wherever they happen (intake, party edits, demo loaders); Core
writes of those rows must call ``index_text`` / ``add_text`` / ``add_agencies`` themselves.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from hub import bulk
from referrals import states
from referrals.models import Case, CaseAgency, CaseGram, CourtApplication, Party, Referral

PLACEHOLDER = "~"  # how a case number not yet given starts (``intake.placeholder_number``)

WORKING = (states.State.accepted, states.State.in_mediation)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = re.compile("[A-Z]")
_SPACE = re.compile(r"\s")  # what str.isspace() calls a space, every code point alike
_DIGIT_RUN = re.compile("[0-9]{4,}")
DIGIT_PIECE = 4  # the length of the pieces cut from runs of digits


def fold(text: str) -> str:
    """Searched text and queries alike: ASCII letters lower-cased (as SQL's ``lower`` everywhere)."""
    return text.translate(_ASCII_LOWER) if _ASCII_UPPER.search(text) else text


def grams(*texts: str) -> set[str]:
    """Every piece of one and two characters of each text (none across texts, none with a space)."""
    found: set[str] = set()
    for text in texts:
        text = fold(text)
        if _SPACE.search(text):
            found.update(c for c in text if not c.isspace())
            pairs = zip(text, text[1:], strict=False)
            found.update(a + b for a, b in pairs if not a.isspace() and not b.isspace())
        else:  # the common case (numbers, most names): no test per character
            found.update(text)
            found.update(map(operator.add, text, text[1:]))
        found.update(_digit_pieces(text))
    return found


def _digit_pieces(text: str) -> list[str]:
    """Each four-digit piece of each run of four ASCII digits or more."""
    return [
        run[i : i + DIGIT_PIECE]
        for run in _DIGIT_RUN.findall(text)
        for i in range(len(run) - DIGIT_PIECE + 1)
    ]


def query_grams(q: str) -> list[str]:
    """The pieces a case must have to contain ``q``: the character itself; or each pair, except
    that the pairs inside a run of four digits or more give way to its four-digit pieces (a text
    holding the run holds those pieces, and they are rare where the pairs are not)."""
    q = fold(q.strip())
    if len(q) == 1:
        return [q]
    runs = [m.span() for m in _DIGIT_RUN.finditer(q)]
    pairs = {
        q[i : i + 2]
        for i in range(len(q) - 1)
        if not any(c.isspace() for c in q[i : i + 2]) and not any(a <= i and i + 2 <= b for a, b in runs)
    }
    return sorted(pairs | set(_digit_pieces(q)))


def current_due(referral: Referral) -> datetime | None:
    if referral.state == states.State.sent:
        return referral.accept_due
    if referral.state in WORKING:
        return referral.mediation_due
    return None


# The two statements of every move, built once, on the tables rather than the ORM classes: built
# anew through the ORM on each call they took about 10 % of the hub's CPU per intake on
# PostgreSQL (issue #16; the ORM's bulk-insert path and cache keys, for two rows).
_CASES = cast(Table, Case.__table__)
_CASE_AGENCIES = cast(Table, CaseAgency.__table__)
_FOLLOW = (
    update(_CASES)
    .where(
        _CASES.c.id == bindparam("b_case"),
        _CASES.c.current_referral_id.is_(None) | (_CASES.c.current_referral_id <= bindparam("b_referral")),
    )
    .values(
        current_referral_id=bindparam("b_referral"),
        current_state=bindparam("b_state"),
        current_receiver_id=bindparam("b_receiver"),
        current_due=bindparam("b_due"),
    )
)
_ADD_AGENCIES = {
    "postgresql": pg_insert(_CASE_AGENCIES).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(_CASE_AGENCIES).on_conflict_do_nothing(),
}


async def follow(s: AsyncSession, referral: Referral, *, sent: bool) -> None:
    """After a move: the case shows this referral (unless a later one is current already), and a
    referral just sent lets both its ends see the case. (The referral is flushed: it has its id.
    A ``Case`` loaded in the session keeps its old ``current_*`` until refreshed.)"""
    conn = await s.connection()
    await conn.execute(
        _FOLLOW,
        {
            "b_case": referral.case_id,
            "b_referral": referral.id,
            "b_state": str(referral.state),
            "b_receiver": referral.to_agency_id,
            "b_due": current_due(referral),
        },
    )
    if sent:
        await add_agencies(s, referral.case_id, [referral.from_agency_id, referral.to_agency_id])


async def add_agencies(s: AsyncSession, case_id: int, agency_ids: Iterable[int]) -> None:
    conn = await s.connection()
    rows = [{"agency_id": a, "case_id": case_id} for a in sorted(set(agency_ids))]
    await conn.execute(_ADD_AGENCIES[conn.dialect.name], rows)


async def index_text(s: AsyncSession, case_ids: Iterable[int]) -> None:
    """Rewrite the search pieces of these cases from their numbers and parties."""
    await s.run_sync(lambda sync: _index_text(sync.connection(), set(case_ids)))


async def add_text(s: AsyncSession, texts: Mapping[int, Sequence[str]]) -> None:
    """The search pieces of cases just written by Core (a batch import), from their texts (the
    number, the 警情号 and the party names), without reading them back: they have none yet."""
    rows = sorted((g, case_id) for case_id, some in texts.items() for g in grams(*some))
    await bulk.insert_columns(
        s, cast(Table, CaseGram.__table__), {"gram": [r[0] for r in rows], "case_id": [r[1] for r in rows]}
    )


def _index_text(conn: Connection, case_ids: set[int]) -> None:
    if not case_ids:
        return
    ids = sorted(case_ids)
    texts: dict[int, list[str]] = {i: [] for i in ids}
    for case_id, number, incident_no in conn.execute(
        select(Case.id, Case.number, Case.incident_no).where(Case.id.in_(ids))
    ):
        texts[case_id] += [number, incident_no or ""]
    for case_id, name in conn.execute(select(Party.case_id, Party.name).where(Party.case_id.in_(ids))):
        texts[case_id].append(name)
    conn.execute(delete(CaseGram).where(CaseGram.case_id.in_(ids)))
    rows = [{"gram": g, "case_id": i} for i in ids for g in sorted(grams(*texts[i]))]
    if rows:
        conn.execute(insert(CaseGram), rows)


# --- the flush hook -----------------------------------------------------------------------------

_TEXT = {Case: ("number", "incident_no"), Party: ("name", "case_id")}


def _changed(obj: Any, names: Iterable[str]) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    reindex: set[int] = set()
    agencies: list[dict[str, int]] = []
    dues: list[Referral] = []
    for obj in session.new:
        if isinstance(obj, Case):
            reindex.add(obj.id)
            agencies.append({"agency_id": obj.created_agency_id, "case_id": obj.id})
        elif isinstance(obj, Party):
            reindex.add(obj.case_id)
        elif isinstance(obj, CourtApplication):
            agencies.append({"agency_id": obj.court_agency_id, "case_id": obj.case_id})
    for obj in session.dirty:
        if isinstance(obj, Case) and _changed(obj, _TEXT[Case]):
            reindex.add(obj.id)
        elif isinstance(obj, Party) and _changed(obj, _TEXT[Party]):
            reindex.add(obj.case_id)
        elif isinstance(obj, Referral) and _changed(obj, ("accept_due", "mediation_due")):
            dues.append(obj)
    for obj in session.deleted:
        if isinstance(obj, Party) and obj.case_id is not None:
            reindex.add(obj.case_id)
    if not (reindex or agencies or dues):
        return
    conn = session.connection()
    if agencies:
        conn.execute(_ADD_AGENCIES[conn.dialect.name], agencies)  # as add_agencies writes them
    for referral in dues:  # an extension or a pause moved the deadline of the current referral
        conn.execute(
            update(Case)
            .where(Case.id == referral.case_id, Case.current_referral_id == referral.id)
            .values(current_due=current_due(referral))
        )
    deleted_cases = {o.id for o in session.deleted if isinstance(o, Case)}
    # A case just taken in has a placeholder number until its id is known: its pieces are
    # written once, when the real number is flushed (``intake.take_in``), not twice.
    numbering = {o.id for o in session.new if isinstance(o, Case) and o.number.startswith(PLACEHOLDER)}
    _index_text(conn, reindex - deleted_cases - numbering)
