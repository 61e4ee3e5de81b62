"""The grid worker's report form, pure: the fields as the phone sent them (a name may repeat, one
per party row) to a ``GridReportInput``, or the problems, field by field, in message ids."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hub.i18n import N_
from referrals.codes import Category, Flag, GridKind, Urgency

SUMMARY_MAX = 2000
ADDRESS_MAX = 200
NAME_MAX = 100
PHONE_MAX = 32
PARTY_ROWS = 2
FLAGS = (Flag.group_dispute, Flag.violence_risk)


@dataclass(frozen=True)
class GridReportInput:
    kind: str
    urgency: str
    category: str
    summary: str
    grid_id: int
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None
    parties: tuple[tuple[str, str], ...] = ()  # (name, phone): the first applies, the others answer
    flags: frozenset[str] = frozenset()
    consented: bool = False  # the parties said they agree to mediation
    idempotency_key: str = ""


@dataclass
class Checked:
    values: dict[str, str] = field(default_factory=dict)  # what to show again in the form
    errors: dict[str, str] = field(default_factory=dict)  # field -> message id
    data: GridReportInput | None = None


def _one(fields: Mapping[str, Sequence[str]], name: str) -> str:
    found = fields.get(name) or [""]
    return found[0].strip()


def _coordinate(raw: str, bound: int) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return round(value, 6) if value.is_finite() and abs(value) <= bound else None


def blank(key: str, grid_id: int | None) -> dict[str, str]:
    return {
        "idempotency_key": key,
        "kind": GridKind.dispute,
        "urgency": Urgency.normal,
        "category": "",
        "grid_id": str(grid_id or ""),
    }


def read(fields: Mapping[str, Sequence[str]], grids: Collection[int]) -> Checked:
    """Check the form against the grids the worker may report from."""
    names = [
        "idempotency_key",
        "kind",
        "urgency",
        "category",
        "summary",
        "grid_id",
        "address",
        "latitude",
        "longitude",
        "accuracy",
    ]
    out = Checked(values={n: _one(fields, n) for n in names})
    v, errors = out.values, out.errors
    if v["kind"] not in GridKind.__members__:
        errors["kind"] = N_("Say whether it is a dispute or a hidden risk.")
    if v["urgency"] not in Urgency.__members__:
        errors["urgency"] = N_("Say how urgent it is.")
    if v["category"] not in Category.__members__:
        errors["category"] = N_("Choose what it is about.")
    if not v["summary"]:
        errors["summary"] = N_("Say what you saw or heard.")
    elif len(v["summary"]) > SUMMARY_MAX:
        errors["summary"] = N_("At most 2,000 characters.")
    grid = int(v["grid_id"]) if v["grid_id"].isdigit() else None
    if grid is None or grid not in grids:
        errors["grid_id"] = N_("Choose one of your grids.")
    if len(v["address"]) > ADDRESS_MAX:
        errors["address"] = N_("At most 200 characters.")
    latitude, longitude = _coordinate(v["latitude"], 90), _coordinate(v["longitude"], 180)
    if (latitude is None) != (longitude is None) or (v["latitude"] and latitude is None):
        errors["latitude"] = N_("The location could not be read; try again or leave it out.")
    accuracy = int(float(v["accuracy"])) if _coordinate(v["accuracy"], 10**7) is not None else None
    names_in, phones_in = list(fields.get("party_name", [])), list(fields.get("party_phone", []))
    parties: list[tuple[str, str]] = []
    for i in range(max(len(names_in), len(phones_in))):
        name = names_in[i].strip() if i < len(names_in) else ""
        phone = phones_in[i].strip() if i < len(phones_in) else ""
        v[f"party_name_{i}"], v[f"party_phone_{i}"] = name, phone
        if not name and not phone:
            continue
        if not name or len(name) > NAME_MAX or len(phone) > PHONE_MAX:
            errors["party_name"] = N_("Give each party's name (the phone is optional).")
            continue
        parties.append((name, phone))
    flags = frozenset(f for f in FLAGS if _one(fields, f"flag_{f}") == "on")
    consented = _one(fields, "consented") == "on"
    for f in flags:
        v[f"flag_{f}"] = "on"
    if consented:
        v["consented"] = "on"
    if consented and not parties:
        errors["consented"] = N_("Name the parties who agreed to mediation.")
    if errors or grid is None:
        return out
    out.data = GridReportInput(
        kind=v["kind"],
        urgency=v["urgency"],
        category=v["category"],
        summary=v["summary"],
        grid_id=grid,
        address=v["address"],
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy if latitude is not None else None,
        parties=tuple(parties),
        flags=flags,
        consented=consented,
        idempotency_key=v["idempotency_key"][:80],
    )
    return out
