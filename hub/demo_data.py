"""The demo district: areas, agencies and people, as plain data (no I/O).

Every name here is fictitious: 青川区 is an invented district (no district of that name exists; the
real 青川县 in Sichuan is an unrelated county), and its towns, villages, agencies, addresses, telephone
numbers and people are made up. Any likeness to a real place or person is a coincidence.

The shape follows a real district's report on 公调对接: 23 police stations, each with a
stationed people's-mediation room (派驻式人民调解工作室) of two or three full-time mediators, 48
mediators in all; judicial offices (司法所) per town and mediation committees per village or community
below the justice bureau; specialised mediation bodies for labour, land acquisition, medical,
environmental, enterprise-restructuring and education disputes; and the basic people's court.

Codes are stable so that domain packages' demo steps can refer to them: areas ``D``, ``T01``,
``T01V02``, ``T01V02G1``; agencies ``PSB``, ``PS01``..``PS23``, ``JB``, ``SR01``..``SR23``,
``JO01``.., ``MC-T01V01``.., ``SB-LABOUR``.., ``COURT``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.models import AgencyKind, AreaLevel, Role, Specialty

DEMO_PASSWORD = "gongtiao-demo"
DISTRICT = "青川区"
AREA_CODE = "0571"  # telephone numbers below are fictitious


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: str
    parent: str | None = None


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    kind: str
    area: str | None
    parent: str | None = None
    host: str | None = None
    specialties: tuple[str, ...] = ()
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    agency: str
    roles: tuple[str, ...]
    is_superuser: bool = False
    # Listed among the demo logins printed by ``make run`` when not empty.
    note: str = ""


# --- areas ----------------------------------------------------------------------------------------

# (stem, 街道 or 镇, number of villages/communities)
_TOWNS: tuple[tuple[str, str, int], ...] = (
    ("城关", "街道", 3),
    ("东湖", "街道", 3),
    ("西溪", "街道", 4),
    ("南门", "街道", 2),
    ("北苑", "街道", 3),
    ("新桥", "街道", 3),
    ("龙泉", "镇", 4),
    ("白沙", "镇", 3),
    ("柳塘", "镇", 2),
    ("石门", "镇", 3),
    ("桂花", "镇", 3),
    ("梅岭", "镇", 4),
)
_VILLAGE_STEMS = (
    "幸福 和平 翠竹 滨江 枫林 锦绣 春晖 望湖 金桥 荷塘 桃源 杏花 长岗 丰收 大塘 上湾 下湾 新华 沙岗 "
    "黄泥 马鞍 松山 高桥 三河 双井 柏树 竹园 王庄 周岭 陈湾 石桥 泉水 青石 望江 清溪 茶园 枣林"
).split()
_ORDINALS = "一二三四五六七八九十"
_ROADS = "人民路 解放路 建设路 文化路 胜利路 青年路 朝阳路 健康路 长江路 湖滨路 学府路 振兴路".split()


def town_code(t: int) -> str:
    return f"T{t:02d}"


def _town_name(t: int) -> str:
    stem, suffix, _ = _TOWNS[t - 1]
    return stem + suffix


def _village_names() -> list[tuple[str, str, str]]:
    """(town code, village code, village name) for every village or community, in order."""
    out: list[tuple[str, str, str]] = []
    stems = iter(_VILLAGE_STEMS)
    for t, (_, suffix, count) in enumerate(_TOWNS, start=1):
        for v in range(1, count + 1):
            kind = "社区" if suffix == "街道" else "村"
            out.append((town_code(t), f"{town_code(t)}V{v:02d}", next(stems) + kind))
    return out


VILLAGES = _village_names()


def _areas() -> tuple[AreaSpec, ...]:
    areas = [AreaSpec("D", DISTRICT, AreaLevel.district)]
    for t in range(1, len(_TOWNS) + 1):
        areas.append(AreaSpec(town_code(t), _town_name(t), AreaLevel.town, "D"))
    for i, (town, code, name) in enumerate(VILLAGES):
        areas.append(AreaSpec(code, name, AreaLevel.village, town))
        for g in range(1, 3 + i % 2):
            areas.append(AreaSpec(f"{code}G{g}", f"{name}第{_ORDINALS[g - 1]}网格", AreaLevel.grid, code))
    return tuple(areas)


AREAS = _areas()


# --- agencies -------------------------------------------------------------------------------------

# Police stations in order PS01..PS23: (name stem, town number). Urban streets have more than one.
_STATIONS: tuple[tuple[str, int], ...] = (
    *((stem, t) for t, (stem, _, _) in enumerate(_TOWNS, start=1)),
    ("火车站", 1),
    ("湖滨", 2),
    ("大学城", 3),
    ("滨江", 4),
    ("新城", 5),
    ("经济开发区", 6),
    ("河口", 7),
    ("沙河", 8),
    ("老街", 1),
    ("高铁新区", 5),
    ("金湾", 10),
)
_ROOM_EXTRAS = ((Specialty.traffic,), (Specialty.consumer,), (Specialty.traffic, Specialty.consumer))

# (code suffix, specialty, name) of the district's specialised mediation bodies.
_SPECIALISED: tuple[tuple[str, str, str], ...] = (
    ("LABOUR", Specialty.labour, "劳动争议"),
    ("LAND", Specialty.land_acquisition, "征地拆迁纠纷"),
    ("MEDICAL", Specialty.medical, "医疗纠纷"),
    ("ENV", Specialty.environmental, "环境保护纠纷"),
    ("ENTERPRISE", Specialty.enterprise_restructuring, "企业改制纠纷"),
    ("EDU", Specialty.education, "教育纠纷"),
)


def _phone(block: int, n: int) -> str:
    return f"{AREA_CODE}-8{block:02d}{n % 100000:05d}"


def _address(town: int, n: int) -> str:
    return f"{DISTRICT}{_town_name(town)}{_ROADS[(town + n) % len(_ROADS)]}{(n * 37) % 180 + 1}号"


def station_code(i: int) -> str:
    return f"PS{i:02d}"


def room_code(i: int) -> str:
    return f"SR{i:02d}"


def _agencies() -> tuple[AgencySpec, ...]:
    county_seat = f"{DISTRICT}城关街道"
    agencies = [
        AgencySpec(
            "PSB",
            f"{DISTRICT}公安分局",
            AgencyKind.police_bureau,
            "D",
            phone=_phone(61, 110),
            address=f"{county_seat}人民路1号",
        ),
        AgencySpec(
            "JB",
            f"{DISTRICT}司法局",
            AgencyKind.justice_bureau,
            "D",
            phone=_phone(62, 148),
            address=f"{county_seat}文化路8号",
        ),
        AgencySpec(
            "COURT",
            f"{DISTRICT}人民法院",
            AgencyKind.court,
            "D",
            phone=_phone(63, 12368),
            address=f"{county_seat}建设路66号",
        ),
    ]
    for i, (stem, town) in enumerate(_STATIONS, start=1):
        station = AgencySpec(
            station_code(i),
            f"{stem}派出所",
            AgencyKind.police_station,
            town_code(town),
            parent="PSB",
            phone=_phone(64, i * 101),
            address=_address(town, i),
        )
        room = AgencySpec(
            room_code(i),
            f"{stem}派出所派驻人民调解工作室",
            AgencyKind.stationed_room,
            town_code(town),
            parent="JB",
            host=station.code,
            specialties=(
                Specialty.neighbour,
                Specialty.family,
                Specialty.minor_injury,
                *_ROOM_EXTRAS[i % len(_ROOM_EXTRAS)],
            ),
            phone=_phone(65, i * 101),
            address=station.address,
        )
        agencies += [station, room]
    for t, (stem, _, _) in enumerate(_TOWNS, start=1):
        agencies.append(
            AgencySpec(
                f"JO{t:02d}",
                f"{stem}司法所",
                AgencyKind.judicial_office,
                town_code(t),
                parent="JB",
                specialties=(Specialty.neighbour, Specialty.family, Specialty.contract),
                phone=_phone(66, t * 211),
                address=_address(t, 50 + t),
            )
        )
    for n, (tcode, code, name) in enumerate(VILLAGES, start=1):
        agencies.append(
            AgencySpec(
                f"MC-{code}",
                f"{name}人民调解委员会",
                AgencyKind.mediation_committee,
                code,
                parent=f"JO{tcode[1:]}",
                specialties=(Specialty.neighbour, Specialty.family),
                phone=_phone(67, n * 97),
                address=f"{DISTRICT}{_town_name(int(tcode[1:]))}{name}综治中心",
            )
        )
    for n, (suffix, specialty, what) in enumerate(_SPECIALISED, start=1):
        agencies.append(
            AgencySpec(
                f"SB-{suffix}",
                f"{DISTRICT}{what}人民调解委员会",
                AgencyKind.specialised_body,
                "D",
                parent="JB",
                specialties=(specialty,),
                phone=_phone(68, n * 313),
                address=f"{county_seat}文化路8号{n}楼",
            )
        )
    return tuple(agencies)


AGENCIES = _agencies()
AGENCY_NAMES = {a.code: a.name for a in AGENCIES}


# --- people ---------------------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
_GIVEN = (
    "建国 秀英 志强 丽华 海燕 文军 桂兰 国庆 晓梅 明辉 淑珍 玉兰 德明 春燕 红梅 永刚 卫东 建华 美玲 "
    "立新 凤英 金宝 雪梅 光明 振华 慧敏 学军 小平 爱民 静 伟 敏 磊 芳 军 洁 勇 娟 涛 霞 斌 萍 平"
).split()


def person_name(i: int) -> str:
    """The i-th fictitious name: surname and given name stepped so that no pair repeats early on."""
    return _SURNAMES[(i * 7) % len(_SURNAMES)] + _GIVEN[(i * 5) % len(_GIVEN)]


MEDIATOR_COUNT = 48
ROOMS_OF_THREE = ("SR01", "SR14")  # the busiest stations get a third mediator


def _mediators() -> list[UserSpec]:
    out: list[UserSpec] = []
    for i in range(1, len(_STATIONS) + 1):
        room = room_code(i)
        for _ in range(3 if room in ROOMS_OF_THREE else 2):
            n = len(out) + 1
            note = "派驻调解员 / stationed mediator (mediator01..mediator48)" if n == 1 else ""
            out.append(UserSpec(f"mediator{n:02d}", person_name(n), room, (Role.mediator,), note=note))
    return out


# (username, agency, roles, note); display names are generated.
_STAFF: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("psb_admin", "PSB", (Role.admin,), "公安分局管理员 / sub-bureau admin"),
    ("station_admin_ps01", "PS01", (Role.admin,), "派出所管理员 / station admin"),
    ("liaison_ps01", "PS01", (Role.liaison,), "派出所联络员 / station liaison (refers cases)"),
    ("liaison_ps02", "PS02", (Role.liaison,), "另一派出所联络员 / liaison of another station"),
    ("liaison_sr01", "SR01", (Role.liaison,), "调解室联络员 / mediation-room liaison (accepts)"),
    ("liaison_jb", "JB", (Role.liaison,), "司法局联络员 / justice-bureau liaison"),
    ("liaison_jo01", "JO01", (Role.liaison,), "司法所联络员 / judicial-office liaison"),
    ("liaison_sb_labour", "SB-LABOUR", (Role.liaison,), "劳动争议调委会 / labour mediation body"),
    ("liaison_sb_medical", "SB-MEDICAL", (Role.liaison,), "医调委 / medical mediation body"),
    ("liaison_court", "COURT", (Role.liaison,), "法院立案庭 / court (judicial confirmation)"),
    ("secretary", "JB", (Role.secretary,), "联席会议秘书 / liaison-meeting secretary"),
    ("supervisor", "JB", (Role.supervisor,), "司法局督导 / justice-bureau supervisor (warnings)"),
    ("psb_supervisor", "PSB", (Role.supervisor,), "公安分局督导 / sub-bureau supervisor"),
    ("grid_worker01", "MC-T01V01", (Role.grid_worker,), "网格员 / grid worker"),
    ("grid_worker02", "MC-T01V02", (Role.grid_worker,), ""),
    ("grid_worker03", "MC-T07V01", (Role.grid_worker,), ""),
)


# Every kind of receiving body has its own people (issue #13): the six specialised bodies, the
# justice bureau and a judicial office, and the village committees whose grid workers report.
# (username, agency, roles, note); mediators here are not among the 48 stationed ones.
_RECEIVERS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    *(
        (f"liaison_sb_{suffix.lower()}", f"SB-{suffix}", (Role.liaison,), "")
        for suffix, _, _ in _SPECIALISED
        if suffix not in ("LABOUR", "MEDICAL")  # they have theirs above
    ),
    *(
        (f"sb_{suffix.lower()}_mediator", f"SB-{suffix}", (Role.mediator,), "")
        for suffix, _, _ in _SPECIALISED
    ),
    ("jb_mediator", "JB", (Role.mediator,), ""),
    ("jo01_mediator", "JO01", (Role.mediator,), ""),
    *(
        item
        for village in ("T01V01", "T01V02", "T07V01")
        for item in (
            (
                f"liaison_mc_{village.lower()}",
                f"MC-{village}",
                (Role.liaison,),
                "村(居)调委会联络员 / village committee liaison (receives grid reports)"
                if village == "T01V01"
                else "",
            ),
            (f"mc_{village.lower()}_mediator", f"MC-{village}", (Role.mediator,), ""),
        )
    ),
    ("grid_worker04", "MC-T01V01", (Role.grid_worker,), ""),
)


def _users() -> tuple[UserSpec, ...]:
    users = [
        UserSpec(
            "admin",
            "平台管理员",
            "JB",
            (Role.admin,),
            is_superuser=True,
            note="平台运营方(超级管理员) / platform operator (superuser)",
        ),
    ]
    mediators = _mediators()
    for k, (username, agency, roles, note) in enumerate(_STAFF, start=len(mediators) + 1):
        users.append(UserSpec(username, person_name(k), agency, roles, note=note))
    for k, (username, agency, roles, note) in enumerate(_RECEIVERS, start=len(users) + len(mediators)):
        users.append(UserSpec(username, person_name(k), agency, roles, note=note))
    users += mediators
    names = [u.display_name for u in users]
    if len(set(names)) != len(names):
        raise ValueError("demo names repeat: step the name generator differently")
    return tuple(users)


USERS = _users()
