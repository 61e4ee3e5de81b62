"""Pauses of a referral's mediation period (a medical appraisal): the API and the page of the
receiving body that records them (the use case: ``referrals.pausing``)."""
