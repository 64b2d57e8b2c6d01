"""Tasks: what a case asks of its data, its windows, its metrics and its baselines."""
