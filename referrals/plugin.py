"""Referrals plugs into the hub here (routes, models, demo data arrive with issue #3)."""

from hub.plugins import Plugin

plugin = Plugin(name="referrals", package="referrals", order=10)
