"""Pages of the referrals package people use every day: intake, the case page, the case list and
the referral queue. Each part keeps its routes in its own module; this one puts them in order
(``/cases/new`` before ``/cases/{id}``: the router tries routes in the order they were added)."""

from hub.routing import Routes
from referrals import pages_case, pages_intake, pages_queue

routes = Routes()
for part in (pages_intake, pages_queue, pages_case):
    routes.endpoints.extend(part.routes.endpoints)
