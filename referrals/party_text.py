"""How a party is written on a mediation paper, pure: one sentence per party, in the order of the
justice ministry's formats (姓名，性别，民族，出生日期，公民身份号码，住址，联系电话，职业或工作单位; for an
organisation 名称，统一社会信用代码，住所地，法定代表人或负责人及其职务), then its agents. Missing facts
are left out, never printed as "—"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SEX = {"male": "男", "female": "女"}
ID_TYPES = {
    "resident_id": "公民身份号码",
    "passport": "护照号码",
    "foreign_permanent_id": "外国人永久居留身份证号码",
    "hmt_permit": "港澳台居民居住证或通行证号码",
    "credit_code": "统一社会信用代码",
    "other": "证件号码",
}
REPRESENTATIVE = {"legal_representative": "法定代表人", "principal": "负责人"}
AUTHORITY = {"general": "一般授权", "special": "特别授权"}


@dataclass(frozen=True)
class AgentFacts:
    name: str
    relation: str = ""
    law_firm: str = ""
    authority: str = "general"
    scope: str = ""


@dataclass(frozen=True)
class PartyFacts:
    name: str
    kind: str = "person"
    id_type: str = "resident_id"
    id_number: str = ""
    sex: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    address: str = ""
    phone: str = ""
    occupation: str = ""
    representative_role: str = ""
    representative_name: str = ""
    representative_title: str = ""
    agents: tuple[AgentFacts, ...] = field(default=())


def _date_cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def describe(p: PartyFacts) -> str:
    """``王芳，女，汉族，1985年3月2日出生，公民身份号码…，住…，联系电话…，职业…``"""
    parts = [p.name]
    if p.kind == "organisation":
        if p.id_number:
            parts.append(f"{ID_TYPES.get(p.id_type, '统一社会信用代码')}：{p.id_number}")
        if p.address:
            parts.append(f"住所地：{p.address}")
        if p.phone:
            parts.append(f"联系电话：{p.phone}")
        text = "，".join(parts)
        if p.representative_name:
            role = REPRESENTATIVE.get(p.representative_role, "法定代表人")
            text += f"；{role}：{p.representative_name}"
            if p.representative_title:
                text += f"，职务：{p.representative_title}"
        return text
    if p.sex in SEX:
        parts.append(SEX[p.sex])
    if p.ethnicity:
        parts.append(p.ethnicity)
    if p.birth_date:
        parts.append(f"{_date_cn(p.birth_date)}出生")
    if p.id_number:
        parts.append(f"{ID_TYPES.get(p.id_type, '证件号码')}：{p.id_number}")
    if p.address:
        parts.append(f"住{p.address}")
    if p.phone:
        parts.append(f"联系电话：{p.phone}")
    if p.occupation:
        parts.append(p.occupation)
    return "，".join(parts)


def describe_agent(a: AgentFacts) -> str:
    """``委托代理人：李律师，青川律师事务所律师（特别授权：代为承认、放弃、变更调解请求）``"""
    footing = f"{a.law_firm}律师" if a.law_firm else a.relation
    text = f"委托代理人：{a.name}" + (f"，{footing}" if footing else "")
    authority = AUTHORITY.get(a.authority, "一般授权")
    return text + (f"（{authority}：{a.scope}）" if a.scope else f"（{authority}）")
