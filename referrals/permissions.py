"""What each role may do with cases and referrals: ``POLICY``, declared on the plugin and joined
with the core's by the app; and who may set the district's routing rules."""

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden
from hub.i18n import N_
from hub.models import Agency, Role
from hub.permissions import EVERY_ROLE, Policy, Principal


class CasePermission(StrEnum):
    view_cases = "view_cases"
    take_in = "take_in"  # intake and sending referrals
    act_on_referrals = "act_on_referrals"  # accept, decline, mediate, resolve...
    edit_parties = "edit_parties"  # a case's parties and their consent, by the agencies working on it
    manage_rules = "manage_rules"
    file_reports = "file_reports"
    acknowledge_warnings = "acknowledge_warnings"
    report_from_grid = "report_from_grid"  # a grid worker's phone pages (referrals.grid)
    open_intake = "open_intake"  # /cases/new: the intake form, or a grid worker's report
    # the bureau's assessment: incident counts, subsidy levels, a case's difficulty, the reporting calendar
    manage_assessment = "manage_assessment"


# Grid workers see their own grid's reports (referrals.grid), not the cases of their agency.
_STAFF = EVERY_ROLE - {Role.grid_worker}
_TAKE_IN = frozenset({Role.liaison, Role.admin})


POLICY: Policy = {
    CasePermission.view_cases: _STAFF,
    CasePermission.take_in: _TAKE_IN,
    CasePermission.act_on_referrals: frozenset({Role.liaison, Role.mediator, Role.admin}),
    CasePermission.edit_parties: frozenset({Role.liaison, Role.mediator, Role.admin}),
    CasePermission.manage_rules: frozenset({Role.admin}),
    CasePermission.file_reports: frozenset({Role.liaison, Role.admin, Role.supervisor}),
    CasePermission.acknowledge_warnings: frozenset({Role.supervisor, Role.admin}),
    CasePermission.report_from_grid: frozenset({Role.grid_worker}),
    CasePermission.open_intake: _TAKE_IN | {Role.grid_worker},
    CasePermission.manage_assessment: frozenset({Role.supervisor, Role.admin}),
}


async def check_district_admin(s: AsyncSession, principal: Principal) -> None:
    """Routing rules and deadline policies apply to every agency of the district: they are set
    by the platform's operators or an administrator of a top-level agency (the sub-bureau, the
    justice bureau), not by the administrator of a station below them."""
    if principal.is_superuser:
        return
    agency = await s.get(Agency, principal.agency_id) if principal.agency_id is not None else None
    if agency is None or agency.parent_id is not None:
        raise Forbidden(
            N_(
                "Routing rules and deadlines are set for the whole district, "
                "by the administrators of the top-level agencies."
            )
        )
