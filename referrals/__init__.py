"""referrals: see docs/architecture.md."""
