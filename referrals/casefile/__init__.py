"""The case file (一案一档): the forms of people's mediation filled in from the case's data, the
whole file as one page-numbered PDF, and an archive with the evidence and its chain of custody."""
