"""Evidence: streamed uploads typed from their content, the content-addressed store, downloads and
the chain of custody."""
