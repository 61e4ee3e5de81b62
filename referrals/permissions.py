"""What each role may do with cases and referrals (added to hub.permissions.POLICY)."""

from enum import StrEnum

from hub.models import Role
from hub.permissions import EVERY_ROLE, register


class CasePermission(StrEnum):
    view_cases = "view_cases"
    take_in = "take_in"  # intake and sending referrals
    act_on_referrals = "act_on_referrals"  # accept, decline, mediate, resolve...
    manage_rules = "manage_rules"
    file_reports = "file_reports"
    acknowledge_warnings = "acknowledge_warnings"


register(
    {
        CasePermission.view_cases: EVERY_ROLE,
        CasePermission.take_in: frozenset({Role.liaison, Role.admin}),
        CasePermission.act_on_referrals: frozenset({Role.liaison, Role.mediator, Role.admin}),
        CasePermission.manage_rules: frozenset({Role.admin}),
        CasePermission.file_reports: frozenset({Role.liaison, Role.admin, Role.supervisor}),
        CasePermission.acknowledge_warnings: frozenset({Role.supervisor, Role.admin}),
    }
)
