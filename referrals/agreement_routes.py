"""Routes of this part of referrals (filled in by its slice)."""

from hub.routing import Routes

routes = Routes()
