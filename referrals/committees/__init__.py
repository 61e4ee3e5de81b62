"""People's mediation committees (人民调解委员会): the 调解组织 and seal the papers print, the basic
court they send agreements to, which agencies mediate for which committee (``committees``), and
their API and admin page (``routes``).

Other code calls ``organisation_for(s, agency_id) -> Organisation`` (name, seal line, court)."""

from referrals.committees.committees import (
    DEFAULT_NUMBER_FORMAT,
    NUMBER_FIELDS,
    Organisation,
    assign,
    check_number_format,
    committee_of,
    derive_committees,
    district_court,
    members,
    organisation_for,
    organisation_of,
    seal_line,
    update,
)

__all__ = [
    "DEFAULT_NUMBER_FORMAT",
    "NUMBER_FIELDS",
    "Organisation",
    "assign",
    "check_number_format",
    "committee_of",
    "derive_committees",
    "district_court",
    "members",
    "organisation_for",
    "organisation_of",
    "seal_line",
    "update",
]
