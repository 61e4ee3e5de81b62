"""Mediation agreements: writing and confirming them, the court's steps (judicial confirmation),
follow-up visits on their performance, and their two PDFs."""
