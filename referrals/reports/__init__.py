"""Reports and early warnings: daily (zero or periodic), special and direct reports, the pure
warning checks and the sweep that raises what they find."""
