"""Statistics of cases and their referrals: the figures (pure), charts (pure SVG), the page, the
CSV and XLSX downloads and the API."""
