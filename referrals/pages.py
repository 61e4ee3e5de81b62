"""Pages of the referrals package (intake, case, queue)."""

from hub.routing import Routes

routes = Routes()
