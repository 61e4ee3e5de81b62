"""The record of a video mediation (调解笔录): the draft assembled from the session (pure), edits,
the parties' online confirmation, and the PDF."""
