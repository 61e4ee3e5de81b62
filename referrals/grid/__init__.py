"""Grid workers (网格员), phone first: reporting disputes and hidden risks (隐患) from the grid,
following what became of them, and filing the committee's daily report."""
