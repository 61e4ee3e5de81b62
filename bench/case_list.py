"""The case list on a big district: ``GET /api/v1/cases`` with filters over 100,000 cases.

On a throwaway PostgreSQL only: migrate, load the demo district, then add ``--cases`` cases (two
parties and one referral each; categories, states, stations, receiving bodies and deadlines spread the
way a busy district's would be, routed by the demo's own rules) with COPY through asyncpg. Then, through
a real ``gongtiao serve``, each filter is asked sequentially (``--requests`` times after a short
warm-up, fewer when a filter takes over ``--max-seconds``) by the platform operator ``admin`` (no
scope), the sub-bureau's ``psb_admin`` (its 23 stations) and the station liaison ``liaison_ps01`` (one
station), and the default page under ``--connections`` concurrent connections for a short run.

The served hub runs with its background sweeps held off (``--with-sweeps`` to keep them): on 100,000
cases the early-warning sweep is CPU-bound for minutes on the event loop and would be measured instead
of the list. ``--sweep`` times the sweep itself (twice: the catch-up, then the steady per-minute run).

Filters whose median reaches ``SLOW_MS`` are asked once more with ``auto_explain`` on, and the
plans of their queries (EXPLAIN ANALYZE, as the server ran them) go to the results file.
``--jit-off`` repeats the sequential pass with PostgreSQL's LLVM JIT off.

    python -m bench case_list          (or: python -m bench.case_list --cases 20000 --sweep)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.api_read import _versions, measure
from bench.load import LoadResult, ensure_wrk, percentile
from bench.support import (
    RESULTS_DIR,
    ROOT,
    Child,
    Options,
    cpu_split,
    free_port,
    get,
    hub_env,
    load_average,
    log,
    machine_note,
    run_hub_cli,
    spawn,
    start_postgres,
    wait_ready,
)
from referrals import case_index

# The concurrent run: the list costs tens of milliseconds of CPU, so 50 connections would only
# measure queueing; 10 show how it shares out.
DEFAULT_DURATION = 10.0
DEFAULT_WARMUP = 2.0
DEFAULT_CONNECTIONS = 10
SLOW_MS = 500.0
SEED = 20261128
USERS = ("admin", "psb_admin", "liaison_ps01")
FILTERS: tuple[tuple[str, str], ...] = (
    ("default page", ""),
    ("state=in_mediation", "state=in_mediation"),
    ("category=neighbour", "category=neighbour"),
    ("q=王", "q=" + urllib.parse.quote("王")),
    ("overdue=true", "overdue=true"),
    ("state+category", "state=sent&category=labour"),
    ("q=秀英", "q=" + urllib.parse.quote("秀英")),
    ("q=000123 (number)", "q=000123"),
    ("offset=2000", "offset=2000"),
    ("after=500000 (cursor)", "after=500000"),
)
PATH = "/api/v1/cases"
# ``gongtiao serve`` with the referrals and meetings sweeps postponed past the end of any run.
SERVE_WITHOUT_SWEEPS = (
    "import meetings.plugin, referrals.plugin\n"
    "referrals.plugin.SWEEP_SECONDS = meetings.plugin.SWEEP_SECONDS = 1e9\n"
    "from hub.cli import main\n"
    "raise SystemExit(main(['serve']))"
)


@dataclass(frozen=True)
class Sizes:
    """How much to do; the defaults take about four minutes on two shared cores."""

    cases: int = 100_000
    requests: int = 30  # sequential requests per filter and user
    max_seconds: float = 5.0  # per filter and user: stop early when a filter is that slow
    sweeps_in_server: bool = False  # keep the served hub's background sweeps
    sweep: bool = False  # time the deadline and early-warning sweep on the generated cases
    jit_off: bool = False  # repeat the sequential pass with jit = off

    def __post_init__(self) -> None:
        if self.cases < 1 or self.requests < 1 or self.max_seconds <= 0:
            raise ValueError(f"sizes must be positive: {self}")


# --- generating the cases -------------------------------------------------------------------------

CATEGORY_WEIGHTS = {
    "neighbour": 30,
    "family": 15,
    "minor_injury": 10,
    "labour": 10,
    "traffic": 7,
    "consumer": 6,
    "property_management": 6,
    "contract": 5,
    "medical": 4,
    "land_acquisition": 2,
    "environmental": 2,
    "other": 3,
}
# State: weight, and how far back its cases were taken in (days): open ones are recent, none past its
# acceptance deadline (the sweep would have expired it), about 2% of all past the mediation deadline.
STATE_WEIGHTS: dict[str, tuple[int, float]] = {
    "sent": (2, 0.8),
    "accepted": (3, 32),
    "in_mediation": (10, 36),
    "resolved": (30, 700),
    "closed": (28, 730),
    "failed": (8, 700),
    "declined": (5, 700),
    "expired": (3, 700),
    "withdrawn": (3, 700),
    "confirmation_applied": (2, 120),
    "confirmed": (5, 700),
    "confirmation_refused": (1, 700),
}
ACCEPTED_STATES = frozenset(
    {
        "accepted",
        "in_mediation",
        "resolved",
        "failed",
        "closed",
        "confirmation_applied",
        "confirmed",
        "confirmation_refused",
    }
)
MEDIATING_STATES = ACCEPTED_STATES - {"accepted"}
WORKING = frozenset({"accepted", "in_mediation"})
DECIDED_STATES = frozenset(
    {"resolved", "failed", "closed", "confirmation_applied", "confirmed", "confirmation_refused"}
)
SUMMARIES: dict[str, tuple[str, ...]] = {
    "neighbour": (
        "楼上漏水渗到楼下，双方争吵。",
        "邻居楼道堆物、犬只夜间吠叫扰民。",
        "相邻通道被占用，双方推搡。",
    ),
    "family": ("夫妻因家务与子女教育争执。", "兄弟因老人赡养费分担发生纠纷。", "婆媳矛盾激化，报警求助。"),
    "minor_injury": ("停车位口角后推搡，一方轻微擦伤。", "酒后争执互殴，双方轻微伤。"),
    "labour": ("工人讨要三个月工资，包工头称甲方未结款。", "员工被辞退后要求经济补偿。"),
    "traffic": ("电动车与行人轻微碰撞，医药费协商未果。", "小区内倒车刮擦，双方对责任有争议。"),
    "consumer": ("顾客称所购食品过期，要求赔偿。", "预付卡门店关门，会员要求退款。"),
    "property_management": ("业主拒交物业费，称电梯长期故障。", "小区停车收费标准引发业主不满。"),
    "contract": ("设备货款结算纠纷。", "房屋租赁押金退还纠纷。"),
    "medical": ("患者家属对手术结果不满，要求赔偿。",),
    "land_acquisition": ("村民对征地补偿标准有异议。",),
    "environmental": ("养殖场异味影响周边居民。",),
    "other": ("宅基地边界争议。", "网络购物纠纷。"),
}
CHANNELS = ("call_110", "call_110", "call_110", "walk_in", "patrol", "grid_report")
CONSENT_METHODS = ("signed_form", "written", "verbal_recorded", "online")


@dataclass(frozen=True)
class District:
    stations: list[tuple[int, int | None]]  # (agency id, area id)
    villages: dict[int, list[int]]  # area id -> child areas
    liaisons: dict[int, list[int]]  # agency id -> liaison user ids
    mediators: dict[int, list[int]]  # agency id -> mediator user ids
    rooms: dict[int, int]  # station id -> its stationed room
    rules: list[Any]  # referrals.rules.RuleSpec
    first_ids: dict[str, int]  # table -> first free id


async def _district(conn: Any) -> District:
    from referrals.routing import rules as rule_logic

    stations = [
        (r["id"], r["area_id"])
        for r in await conn.fetch(
            "SELECT id, area_id FROM agencies WHERE kind = 'police_station' AND active ORDER BY code"
        )
    ]
    villages: dict[int, list[int]] = {}
    for r in await conn.fetch("SELECT id, parent_id FROM areas WHERE parent_id IS NOT NULL"):
        villages.setdefault(r["parent_id"], []).append(r["id"])
    people: dict[str, dict[int, list[int]]] = {"liaison": {}, "mediator": {}}
    for r in await conn.fetch(
        "SELECT u.id, u.agency_id, r.role FROM users u JOIN user_roles r ON r.user_id = u.id "
        "WHERE r.role IN ('liaison', 'mediator') AND u.active ORDER BY u.id"
    ):
        people[r["role"]].setdefault(r["agency_id"], []).append(r["id"])
    rooms = {
        r["host_agency_id"]: r["id"]
        for r in await conn.fetch(
            "SELECT id, host_agency_id FROM agencies WHERE kind = 'stationed_room' AND active"
        )
    }
    specs = []
    for r in await conn.fetch("SELECT * FROM routing_rules WHERE active"):

        def listed(value: Any) -> tuple[Any, ...]:
            return tuple(json.loads(value) if isinstance(value, str) else value or ())

        specs.append(
            rule_logic.RuleSpec(
                id=r["id"],
                name=r["name"],
                priority=r["priority"],
                target_kind=r["target_kind"],
                target_agency_id=r["target_agency_id"],
                categories=listed(r["categories"]),
                area_ids=listed(r["area_ids"]),
                amount_min=r["amount_min"],
                amount_max=r["amount_max"],
                parties_min=r["parties_min"],
                parties_max=r["parties_max"],
                flags_all=listed(r["flags_all"]),
                is_fallback=r["is_fallback"],
                active=r["active"],
            )
        )
    first_ids = {
        t: int(await conn.fetchval(f"SELECT coalesce(max(id), 0) + 1 FROM {t}"))
        for t in ("cases", "parties", "referrals")
    }
    return District(stations, villages, people["liaison"], people["mediator"], rooms, specs, first_ids)


def _name(rng: random.Random) -> str:
    from hub.demo_data import person_name

    name = person_name(rng.randrange(1, 50_000))
    return "王" + name[1:] if rng.random() < 0.07 else name  # 王 is the commonest surname


def _id_number(rng: random.Random) -> str:
    birth = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    return f"3301{rng.randrange(1, 99):02d}{birth:%Y%m%d}{rng.randrange(0, 10_000):04d}"


def _rows(d: District, count: int, now: datetime, seed: int) -> tuple[list[tuple[Any, ...]], ...]:
    """Rows of cases, parties and referrals, in the column order of ``CASE_COLS`` etc."""
    from referrals.routing import rules as rule_logic

    rng = random.Random(seed)
    categories, cat_w = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    state_names = list(STATE_WEIGHTS)
    state_w = [w for w, _ in STATE_WEIGHTS.values()]
    station_w = [3 if i == 0 else 1 for i in range(len(d.stations))]  # PS01 is the busiest
    decisions: dict[tuple[Any, ...], tuple[int, int | None, str]] = {}
    cases: list[tuple[Any, ...]] = []
    parties: list[tuple[Any, ...]] = []
    referrals: list[tuple[Any, ...]] = []
    agencies: list[tuple[Any, ...]] = []  # case_agencies: the station and the receiving body
    case_id, party_id, referral_id = (d.first_ids[t] for t in ("cases", "parties", "referrals"))
    latest = now - timedelta(minutes=1)
    for _ in range(count):
        station, town = rng.choices(d.stations, station_w)[0]
        category = rng.choices(categories, cat_w)[0]
        state = rng.choices(state_names, state_w)[0]
        created = latest - timedelta(seconds=rng.uniform(0, STATE_WEIGHTS[state][1] * 86_400))
        amount: Decimal | None = None
        if rng.random() < 0.6:
            high = 400_000 if category in ("contract", "medical", "land_acquisition") else 20_000
            amount = Decimal(rng.randrange(100, high)).quantize(Decimal("1.00"))
        group, violence = rng.random() < 0.01, rng.random() < 0.02
        flags = frozenset(f for f, on in (("group_dispute", group), ("violence_risk", violence)) if on)
        area = rng.choice(d.villages.get(town, [town])) if town is not None else None
        liaison = rng.choice(d.liaisons.get(station, [None]))
        channel = rng.choice(CHANNELS)
        a, b = _name(rng), _name(rng)
        for role, name in (("applicant", a), ("respondent", b)):
            phone = f"1{rng.choice('35789')}{rng.randrange(0, 10**9):09d}"
            parties.append((party_id, case_id, role, name, _id_number(rng), phone, "青川区"))
            party_id += 1
        # The route the demo's rules give (cached: few distinct inputs).
        key = (category, station, amount is not None and amount >= 100_000, flags)
        if key not in decisions:
            facts = rule_logic.CaseFacts(category, (), amount, 2, flags)
            decision = rule_logic.decide(facts, d.rules, d.rooms.get(station))
            rule_id = decision.rule.id if decision.rule.id > 0 else None
            decisions[key] = (
                decision.target_agency_id,
                rule_id,
                json.dumps(decision.explanation(), default=str),
            )
        target, rule_id, explanation = decisions[key]
        # Every step after the one before, none in the future.
        sent = min(created + timedelta(minutes=rng.uniform(5, 240)), latest)
        accepted = (
            min(sent + timedelta(hours=rng.uniform(0.5, 20)), latest) if state in ACCEPTED_STATES else None
        )
        mediation_due = accepted + timedelta(days=30) if accepted else None
        decided = (
            min(accepted + timedelta(days=rng.uniform(1, 29)), latest)
            if accepted and state in DECIDED_STATES
            else None
        )
        closed = (
            min(decided + timedelta(days=rng.uniform(1, 30)), latest)
            if decided and state == "closed"
            else None
        )
        mediators = d.mediators.get(target, [])
        mediator = rng.choice(mediators) if mediators and state in MEDIATING_STATES else None
        changed = closed or decided or accepted or sent
        if state in ("declined", "expired", "withdrawn"):
            changed = min(sent + timedelta(hours=rng.uniform(1, 30)), latest)
        referrals.append(
            (
                referral_id,
                case_id,
                station,
                target,
                state,
                rule_id,
                explanation,
                liaison,
                sent,
                sent + timedelta(hours=24),
                accepted,
                mediation_due,
                mediator,
                decided,
                closed,
                changed,
            )
        )
        cases.append(
            (
                case_id,
                f"QC{created.year}-{case_id:06d}",
                f"J{created:%Y%m%d}{case_id:07d}" if channel == "call_110" else "",
                channel,
                category,
                rng.choice(SUMMARIES[category]),
                area,
                f"青川区幸福路 {rng.randrange(1, 400)} 号",
                amount,
                group,
                violence,
                rng.random() < 0.01,
                rng.random() < 0.03,
                f"{a}、{b}",
                created,
                rng.choice(CONSENT_METHODS),
                station,
                liaison,
                created,
                referral_id,  # the current referral, as referrals.case_index keeps it
                state,
                target,
                sent + timedelta(hours=24)
                if state == "sent"
                else mediation_due
                if state in WORKING
                else None,
            )
        )
        agencies.append((station, case_id))
        if target != station:
            agencies.append((target, case_id))
        case_id += 1
        referral_id += 1
    return cases, parties, referrals, agencies


CASE_COLS = (
    "id",
    "number",
    "incident_no",
    "channel",
    "category",
    "summary",
    "area_id",
    "address",
    "amount",
    "group_dispute",
    "violence_risk",
    "minor_criminal",
    "vulnerable_party",
    "consent_by",
    "consent_at",
    "consent_method",
    "created_agency_id",
    "created_by_id",
    "created_at",
    "current_referral_id",
    "current_state",
    "current_receiver_id",
    "current_due",
)
PARTY_COLS = ("id", "case_id", "role", "name", "id_number", "phone", "address")
REFERRAL_COLS = (
    "id",
    "case_id",
    "from_agency_id",
    "to_agency_id",
    "state",
    "rule_id",
    "explanation",
    "sent_by_id",
    "sent_at",
    "accept_due",
    "accepted_at",
    "mediation_due",
    "mediator_id",
    "decided_at",
    "closed_at",
    "state_changed_at",
)


async def generate(dsn: str, count: int, now: datetime) -> dict[str, Any]:
    """Add ``count`` cases with COPY; columns left out take the database's defaults."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        t0 = time.monotonic()
        d = await _district(conn)
        cases, parties, referrals, agencies = _rows(d, count, now, SEED)
        t1 = time.monotonic()
        # Text columns the models default in Python (not in the database) must be given.
        defaults = await _python_defaults(conn)
        async with conn.transaction():
            for table, cols, rows in (
                ("cases", CASE_COLS, cases),
                ("parties", PARTY_COLS, parties),
                ("referrals", REFERRAL_COLS, referrals),
            ):
                extra = defaults.get(table, {})
                if extra:
                    cols = (*cols, *extra)
                    rows = [(*r, *extra.values()) for r in rows]
                await conn.copy_records_to_table(table, records=rows, columns=list(cols))
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            await conn.copy_records_to_table(
                "case_agencies", records=agencies, columns=["agency_id", "case_id"]
            )
        t2 = time.monotonic()
        # The search pieces, in the database: written without their indexes, which are built after.
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute("SET work_mem = '256MB'")
        async with conn.transaction():
            await conn.execute("ALTER TABLE case_grams DROP CONSTRAINT pk_case_grams")
            await conn.execute("DROP INDEX ix_case_grams_case_id")
            await conn.execute(GRAMS_SQL, d.first_ids["cases"])
            await conn.execute(
                "ALTER TABLE case_grams ADD CONSTRAINT pk_case_grams PRIMARY KEY (gram, case_id)"
            )
            await conn.execute("CREATE INDEX ix_case_grams_case_id ON case_grams (case_id)")
        t_grams = time.monotonic()
        await conn.execute("VACUUM ANALYZE cases, parties, referrals, case_agencies, case_grams")
        t3 = time.monotonic()
        counts = {
            t: int(await conn.fetchval(f"SELECT count(*) FROM {t}"))
            for t in ("cases", "parties", "referrals", "case_agencies", "case_grams")
        }
        states = {
            r["state"]: r["n"]
            for r in await conn.fetch(
                "SELECT state, count(*) AS n FROM referrals GROUP BY state ORDER BY n DESC"
            )
        }
        ps01 = int(
            await conn.fetchval(
                "SELECT count(*) FROM cases "
                "WHERE created_agency_id = (SELECT id FROM agencies WHERE code = 'PS01')"
            )
        )
    finally:
        await conn.close()
    return {
        "rows_s": round(t1 - t0, 1),
        "copy_s": round(t2 - t1, 1),
        "grams_s": round(t_grams - t2, 1),
        "vacuum_analyze_s": round(t3 - t_grams, 1),
        "counts": counts,
        "states": states,
        "cases_of_ps01": ps01,
    }


# ``referrals.case_index.grams`` for the generated cases, by PostgreSQL: one- and two-character
# pieces of the number, the 警情号 and the party names, and the four-digit pieces of their runs of
# digits (the demo's cases have theirs already).
GRAMS_SQL = """
INSERT INTO case_grams (gram, case_id)
SELECT DISTINCT g, case_id FROM (
  SELECT case_id, substr(t, i, n) AS g, n
  FROM (
    SELECT id AS case_id, lower(number) AS t FROM cases WHERE id >= $1
    UNION ALL SELECT id, lower(incident_no) FROM cases WHERE incident_no <> '' AND id >= $1
    UNION ALL SELECT case_id, name FROM parties WHERE case_id >= $1
  ) AS texts, generate_series(1, char_length(t)) AS i, (VALUES (1), (2), (4)) AS v(n)
  WHERE i + n - 1 <= char_length(t)
) AS pieces WHERE g NOT LIKE '% %' AND (n < 4 OR g ~ '^[0-9]{4}$')
"""


async def _python_defaults(conn: Any) -> dict[str, dict[str, Any]]:
    """NOT NULL columns we do not fill and that have no database default: give them ''/False/{}."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_name IN ('cases', 'parties', 'referrals') AND is_nullable = 'NO' "
        "AND column_default IS NULL"
    )
    given = {"cases": set(CASE_COLS), "parties": set(PARTY_COLS), "referrals": set(REFERRAL_COLS)}
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        table, column, kind = r["table_name"], r["column_name"], r["data_type"]
        if column in given[table]:
            continue
        if kind in ("character varying", "text"):
            value: Any = ""
        elif kind == "boolean":
            value = False
        elif kind in ("json", "jsonb"):
            value = "{}"
        else:
            raise RuntimeError(
                f"{table}.{column} ({kind}) is NOT NULL without a default: teach bench.case_list"
            )
        out.setdefault(table, {})[column] = value
    return out


# --- measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    user: str
    filter: str
    n: int
    total: int  # the list's "total"
    items: int
    p50_ms: float
    p95_ms: float
    max_ms: float


def sequential(base: str, token: str, user: str, label: str, query: str, sizes: Sizes) -> Timing:
    url = f"{base}{PATH}?{query}" if query else base + PATH
    headers = {"Authorization": f"Bearer {token}"}
    status, body = get(url, headers, timeout=120)
    if status != 200:
        raise RuntimeError(f"{user} GET {url} answered {status}: {body[:300]!r}")
    first = json.loads(body)
    for _ in range(2):  # warm-up
        get(url, headers, timeout=120)
    times: list[float] = []
    began = time.monotonic()
    while len(times) < sizes.requests and time.monotonic() - began < sizes.max_seconds:
        t0 = time.perf_counter()
        status, _ = get(url, headers, timeout=120)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"{user} GET {url} answered {status}")
    times.sort()
    return Timing(
        user,
        label,
        len(times),
        int(first["total"]),
        len(first["items"]),
        percentile(times, 0.50),
        percentile(times, 0.95),
        times[-1],
    )


def start_hub(
    database_url: str, data_dir: Path, stack: ExitStack, cpus: set[int] | None, sweeps: bool
) -> tuple[Child, str]:
    port = free_port()
    env = hub_env(database_url, data_dir, GONGTIAO_PORT=str(port), GONGTIAO_HOST="127.0.0.1")
    serve = ["-m", "hub", "serve"] if sweeps else ["-c", SERVE_WITHOUT_SWEEPS]
    child = spawn(
        "hub",
        [sys.executable, *serve],
        env=env,
        cwd=ROOT,
        log_path=data_dir / "hub.log",
        stack=stack,
        cpus=cpus,
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(child, base + "/healthz", timeout=600)  # a loaded machine starts slowly
    return child, base


async def _psql(dsn: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


_LOG_ENTRY = re.compile(
    r"^\S[^\n]*?LOG:\s+duration: ([\d.]+) ms\s+plan:\n(.*?)(?=^\S|\Z)", re.MULTILINE | re.DOTALL
)


def explain_slow(
    slow: list[Timing],
    tokens: dict[str, str],
    dsn: str,
    pg_log: Path,
    database_url: str,
    data_dir: Path,
    stack: ExitStack,
    cpus: set[int] | None,
    sweeps: bool,
) -> list[dict[str, Any]]:
    """Ask each slow (user, filter) once with auto_explain logging every plan with its actual times."""
    asyncio.run(
        _psql(
            dsn,
            "LOAD 'auto_explain'",  # so that ALTER SYSTEM knows its settings
            "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'",
            "ALTER SYSTEM SET auto_explain.log_min_duration = 0",
            "ALTER SYSTEM SET auto_explain.log_analyze = on",
            "ALTER SYSTEM SET auto_explain.log_buffers = on",
            "SELECT pg_reload_conf()",
        )
    )
    child, base = start_hub(database_url, data_dir, stack, cpus, sweeps)  # connections load auto_explain
    out: list[dict[str, Any]] = []
    try:
        queries = dict(FILTERS)
        for t in slow:
            url = f"{base}{PATH}?{queries[t.filter]}" if queries[t.filter] else base + PATH
            time.sleep(0.5)
            offset = pg_log.stat().st_size
            get(url, {"Authorization": f"Bearer {tokens[t.user]}"}, timeout=120)
            time.sleep(1.0)  # let the server write its log
            with pg_log.open("rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", errors="replace")
            plans = [
                {"ms": float(ms), "plan": plan.rstrip()}
                for ms, plan in _LOG_ENTRY.findall(text)
                if "cases" in plan and "Query Text" in plan
            ]
            out.append({"user": t.user, "filter": t.filter, "plans": plans})
    finally:
        child.stop()
        asyncio.run(_psql(dsn, "ALTER SYSTEM RESET ALL", "SELECT pg_reload_conf()"))
    return out


async def catch_up(database_url: str) -> dict[str, Any]:
    """Run the hub's deadline sweep twice, as a served hub would each minute: the first catches up with
    the generated overdue mediations (warnings), the second is the steady per-minute cost."""
    from hub.db import Database
    from hub.events import Outbox
    from hub.orm import utcnow
    from hub.plugins import load_models
    from referrals import sweeps

    load_models()
    db = Database(database_url)
    out: dict[str, Any] = {}
    since = None
    try:
        for run_name in ("first", "second"):
            t0, now = time.monotonic(), utcnow()
            done = await sweeps.run_all(db, now, Outbox(), zone="Asia/Shanghai", since=since)
            out[run_name] = {"s": round(time.monotonic() - t0, 2), **done}
            since = now  # as a served hub's next run: from where this one got to
    finally:
        await db.dispose()
    return out


def sequential_pass(base: str, tokens: dict[str, str], sizes: Sizes) -> list[Timing]:
    out = []
    for user in USERS:
        for label, query in FILTERS:
            log(f"{user}: {label} (load average {load_average()})")
            out.append(sequential(base, tokens[user], user, label, query, sizes))
    return out


def _token(database_url: str, data_dir: Path, user: str) -> str:
    out = run_hub_cli(
        ["token", "create", user, "--name", "bench-case-list"], hub_env(database_url, data_dir), ROOT
    )
    return [line.strip() for line in out.splitlines() if line.strip()][-1]


# The floor: the indexed query, as the hub asks it for ``admin`` (no scope), sent by asyncpg straight
# to the same database: a page of 50 on ``cases`` with its current referral, and the count capped at
# 1001. What PostgreSQL alone needs; hub / floor is what the HTTP layer, authentication, the ORM and
# serialisation add on top.
FLOOR_FROM = "FROM cases LEFT JOIN referrals ON referrals.id = cases.current_referral_id"


def _gram(g: str) -> str:
    return f"EXISTS (SELECT 1 FROM case_grams WHERE gram = '{g}' AND case_id = cases.id)"


def _number_like(q: str) -> str:
    grams = " AND ".join(_gram(g) for g in case_index.query_grams(q))  # digits: four-digit pieces
    return (
        f"{grams} AND (lower(cases.number) LIKE '%{q}%' OR lower(cases.incident_no) LIKE '%{q}%' "
        f"OR EXISTS (SELECT 1 FROM parties WHERE case_id = cases.id AND lower(name) LIKE '%{q}%'))"
    )


FLOOR_WHERE: dict[str, str] = {
    "default page": "true",
    "state=in_mediation": "cases.current_state = 'in_mediation'",
    "category=neighbour": "cases.category = 'neighbour'",
    "q=王": _gram("王"),
    "overdue=true": "cases.current_due < now()",
    "state+category": "cases.current_state = 'sent' AND cases.category = 'labour'",
    "q=秀英": _gram("秀英"),
    "q=000123 (number)": _number_like("000123"),
    "offset=2000": "true",
    "after=500000 (cursor)": "cases.id < 500000",
}
FLOOR_USER = "floor (SQL)"


async def floor_pass(dsn: str, sizes: Sizes) -> list[Timing]:
    """Each filter's count and page, as the hub asks them, timed like ``sequential``."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    out = []
    try:
        for label, query in FILTERS:
            where = FLOOR_WHERE[label]
            offset = int(query.split("=", 1)[1]) if query.startswith("offset=") else 0
            count_sql = f"SELECT count(*) FROM (SELECT 1 {FLOOR_FROM} WHERE {where} LIMIT 1001) AS found"
            page_sql = (
                f"SELECT cases.*, referrals.* {FLOOR_FROM} WHERE {where} "
                f"ORDER BY cases.id DESC LIMIT 50 OFFSET {offset}"
            )

            async def ask(count_sql: str = count_sql, page_sql: str = page_sql) -> tuple[int, int]:
                return int(await conn.fetchval(count_sql)), len(await conn.fetch(page_sql))

            total, items = await ask()
            for _ in range(2):  # warm-up
                await ask()
            times: list[float] = []
            began = time.monotonic()
            while len(times) < sizes.requests and time.monotonic() - began < sizes.max_seconds:
                t0 = time.perf_counter()
                await ask()
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p50, p95 = percentile(times, 0.50), percentile(times, 0.95)
            out.append(Timing(FLOOR_USER, label, len(times), total, items, p50, p95, times[-1]))
    finally:
        await conn.close()
    return out


def floor_table(timings: list[Timing], floor: list[Timing]) -> tuple[str, list[str]]:
    """admin's figures beside the floor's, the ratio of medians, and any total that differs."""
    header = f"{'filter':<22}{'admin p50 ms':>14}{'floor p50 ms':>14}{'admin/floor':>13}{'total':>9}"
    lines, notes = [header, "-" * len(header)], []
    hub = {t.filter: t for t in timings if t.user == "admin"}
    for f in floor:
        h = hub.get(f.filter)
        if h is None:
            continue
        ratio = h.p50_ms / f.p50_ms if f.p50_ms else float("nan")
        lines.append(f"{f.filter:<22}{h.p50_ms:>14.1f}{f.p50_ms:>14.1f}{ratio:>13.2f}{f.total:>9}")
        if h.total != f.total:
            notes.append(f"floor total for {f.filter} is {f.total}, the hub's {h.total}: the SQL differs")
    return "\n".join(lines), notes


def table(timings: list[Timing]) -> str:
    header = f"{'filter':<22}" + "".join(f"{u + ' p50/p95 ms':>26}{'total':>8}" for u in USERS)
    lines = [header, "-" * len(header)]
    by = {(t.user, t.filter): t for t in timings}
    for label, _ in FILTERS:
        row = f"{label:<22}"
        for user in USERS:
            t = by.get((user, label))
            row += f"{t.p50_ms:>17.1f} /{t.p95_ms:>7.1f}{t.total:>8}" if t else f"{'-':>26}{'':>8}"
        lines.append(row)
    return "\n".join(lines)


def _explained_lines(explained: list[dict[str, Any]], timings: list[Timing]) -> list[str]:
    lines = []
    by = {(t.user, t.filter): t for t in timings}
    for e in explained:
        slow = by[(e["user"], e["filter"])].p50_ms >= SLOW_MS
        what = "SLOW" if slow else "the slowest filter"
        lines.append(f"auto_explain, {e['user']} {e['filter']} ({what}):")
        for p in e["plans"]:
            plan = p["plan"].splitlines()
            query = next(
                (line.split("Query Text:", 1)[1].strip() for line in plan if "Query Text:" in line), ""
            )
            lines.append(f"  {p['ms']:>8.1f} ms  {query[:90]}")
            if not slow:  # what the time went on
                lines.extend(
                    "      " + line.strip()
                    for line in plan
                    if any(k in line for k in ("GroupAggregate", "Sort Method", "Timing:", "Seq Scan"))
                )
            else:  # the whole plan, without the query's text
                start = next((i for i, line in enumerate(plan) if "(cost=" in line or "(actual" in line), 0)
                lines.extend("      " + line.removeprefix("\t") for line in plan[start:])
    return lines


def run(options: Options, sizes: Sizes | None = None) -> str:
    sizes = sizes or Sizes()
    if not options.pg:
        raise RuntimeError("case_list runs on PostgreSQL only (install postgresql, or pass --pg)")
    started = datetime.now(UTC)
    server_cpus, load_cpus = cpu_split(options.pin)
    wrk = ensure_wrk() if options.load in ("auto", "wrk") else None
    tool = "wrk" if wrk else "python-aiohttp"
    machine = machine_note()
    log(machine)
    loads = {"before": load_average()}
    timings: list[Timing] = []
    timings_nojit: list[Timing] = []
    floor: list[Timing] = []
    concurrent: dict[str, LoadResult] = {}
    explained: list[dict[str, Any]] = []
    sweep: dict[str, Any] = {}
    notes: list[str] = []
    sweeps = sizes.sweeps_in_server
    with tempfile.TemporaryDirectory(prefix="gongtiao-bench-") as tmp, ExitStack() as stack:
        data_dir = Path(tmp)
        log("starting a throwaway PostgreSQL")
        server, database_url = start_postgres(stack, "gongtiao_bench_cases")
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
        log("db upgrade, demo, tokens")
        env = hub_env(database_url, data_dir)
        run_hub_cli(["db", "upgrade"], env, ROOT)
        run_hub_cli(["demo", "--quiet"], env, ROOT)
        tokens = {user: _token(database_url, data_dir, user) for user in USERS}
        log(f"generating {sizes.cases:,} cases (2 parties and a referral each) with COPY")
        t0 = time.monotonic()
        generated = asyncio.run(generate(dsn, sizes.cases, started))
        generated["total_s"] = round(time.monotonic() - t0, 1)
        log(f"generated in {generated['total_s']} s: {generated['counts']}")
        if sizes.sweep:
            log("deadline and early-warning sweep, twice (a served hub repeats it every minute)")
            sweep = asyncio.run(catch_up(database_url))
            log(f"sweep: {sweep}")
        child, base = start_hub(database_url, data_dir, stack, server_cpus, sweeps)
        try:
            timings = sequential_pass(base, tokens, sizes)
            loads["after sequential"] = load_average()
            log(f"floor: the same queries through asyncpg (load average {load_average()})")
            floor = asyncio.run(floor_pass(dsn, sizes))
            for user in USERS:
                log(f"{user}: default page, {options.connections} connections for {options.duration:g} s")
                headers = {"Authorization": f"Bearer {tokens[user]}"}
                concurrent[user] = measure(base + PATH, headers, options, wrk, load_cpus)
                if child.process.poll() is not None:
                    raise RuntimeError(f"the hub died during the run:\n{child.log_tail()}")
            loads["after concurrent"] = load_average()
        finally:
            child.stop()
        # The slow filters, and for reference each user's slowest.
        chosen = [t for t in timings if t.p50_ms >= SLOW_MS]
        for user in USERS:
            worst = max((t for t in timings if t.user == user), key=lambda t: t.p50_ms)
            if worst not in chosen:
                chosen.append(worst)
        log(f"EXPLAIN ANALYZE (auto_explain) of {len(chosen)} filters")
        pg_log = server.data_dir.parent / "log"
        try:
            explained = explain_slow(
                chosen, tokens, dsn, pg_log, database_url, data_dir, stack, server_cpus, sweeps
            )
        except Exception as exc:  # the figures above are worth keeping
            notes.append(f"auto_explain failed: {exc}")
        if sizes.jit_off:
            # PostgreSQL compiles costly-looking queries with LLVM (jit, on by default): the same without.
            log("sequential again with jit = off (ALTER DATABASE)")
            asyncio.run(_psql(dsn, 'ALTER DATABASE "gongtiao_bench_cases" SET jit = off'))
            child, base = start_hub(database_url, data_dir, stack, server_cpus, sweeps)
            try:
                timings_nojit = sequential_pass(base, tokens, sizes)
            finally:
                child.stop()
            loads["after jit off"] = load_average()
    elapsed = (datetime.now(UTC) - started).total_seconds()
    floor_text, floor_notes = floor_table(timings, floor)
    notes.extend(floor_notes)
    data = {
        "benchmark": "case_list",
        "started_at": started.isoformat(),
        "elapsed_s": round(elapsed, 1),
        "machine": machine,
        "sizes": asdict(sizes),
        "cases": sizes.cases,
        "generated": generated,
        "sweep": sweep,
        "server_sweeps": "on" if sweeps else "held off",
        "concurrent": {
            "tool": tool,
            "connections": options.connections,
            "warmup_s": options.warmup,
            "duration_s": options.duration,
            "runs": {u: r.as_dict() for u, r in concurrent.items()},
        },
        "cpus": os.cpu_count(),
        "server_cpus": sorted(server_cpus) if server_cpus else None,
        "load_average": loads,
        "versions": _versions(),
        "timings": [asdict(t) for t in timings],
        "timings_jit_off": [asdict(t) for t in timings_nojit],
        "floor": [asdict(t) for t in floor],
        "floor_sql": {"from": FLOOR_FROM, "where": FLOOR_WHERE},
        "explained": explained,
        "notes": notes,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"case_list-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        f"{generated['counts']['cases']:,} cases, generated in {generated['total_s']} s "
        f"(rows {generated['rows_s']} s, COPY {generated['copy_s']} s, search pieces "
        f"{generated['grams_s']} s, VACUUM ANALYZE "
        f"{generated['vacuum_analyze_s']} s); liaison_ps01's station took in {generated['cases_of_ps01']:,}",
        f"sequential GET {PATH}?filter, {sizes.requests} each (fewer if over {sizes.max_seconds:g} s), "
        f"50 per page, server sweeps {'on' if sweeps else 'held off'}:",
        table(timings),
        "admin beside the floor (the same count and page through asyncpg, no HTTP, auth, ORM or JSON):",
        floor_text,
        f"default page under {options.connections} connections ({tool}, {options.duration:g} s):",
        *(
            f"  {u:<14}{r.rps:>8.1f} req/s  p50 {r.p50_ms:>8.1f} ms  p99 {r.p99_ms:>8.1f} ms  "
            f"errors {r.errors}"
            for u, r in concurrent.items()
        ),
    ]
    if timings_nojit:
        lines += ["the same with jit = off (ALTER DATABASE ... SET jit = off):", table(timings_nojit)]
    if sweep:
        lines.append(f"sweep: first run {sweep['first']}, then every minute {sweep['second']}")
    lines.append(
        f"({machine} at the start; {loads}; {elapsed:.0f} s in all; results: {path.relative_to(ROOT)})"
    )
    lines.extend(f"NOTE: {n}" for n in notes)
    lines.extend(_explained_lines(explained, timings))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.case_list``: the benchmark with its sizes changed."""
    d = Sizes()
    parser = argparse.ArgumentParser(prog="python -m bench.case_list", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=d.cases, help=f"cases to generate ({d.cases:,})")
    parser.add_argument(
        "--requests", type=int, default=d.requests, help=f"per filter and user ({d.requests})"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=d.max_seconds, help=f"per filter and user ({d.max_seconds:g})"
    )
    parser.add_argument("--sweep", action="store_true", help="also time the sweep on the generated cases")
    parser.add_argument("--with-sweeps", action="store_true", help="keep the served hub's sweeps")
    parser.add_argument("--jit-off", action="store_true", help="repeat the sequential pass with jit = off")
    parser.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS)
    parser.add_argument("--duration", type=float, default=DEFAULT_DURATION)
    parser.add_argument("--warmup", type=float, default=DEFAULT_WARMUP)
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    sizes = Sizes(
        cases=args.cases,
        requests=args.requests,
        max_seconds=args.max_seconds,
        sweeps_in_server=args.with_sweeps,
        sweep=args.sweep,
        jit_off=args.jit_off,
    )
    options = Options(
        pg=True,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        pin=args.pin,
        load=args.load,
    )
    print(run(options, sizes), flush=True)


if __name__ == "__main__":
    main()
