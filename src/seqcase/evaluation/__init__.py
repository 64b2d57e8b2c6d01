"""Scores shared by every model and baseline of a task: forecasting, glucose, classification."""
