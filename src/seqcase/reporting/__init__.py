"""Figures, per-case reports (Markdown and self-contained HTML) and the summary across cases."""
