"""Minutes of a meeting: the draft assembled from the record (pure), revisions, circulation and
comments, approval, and the PDF."""
