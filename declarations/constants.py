"""Names and numbers more than one layer relies on, each defined once here (values a council does not set: those
are in settings.py and the indicator catalogue)."""

from __future__ import annotations

UNALLOCATED_TEAM = "unallocated"
"""The team of a child or record with no team: the catalogue's default `unallocated_team`, the team data-quality
exceptions without one are given, and the team id owners claim in the owners file to receive them."""

TREND_MONTHS = 6
"""Month ends in the highlight report's trend (`month_end_1` .. `month_end_6`, oldest first)."""

READY_MARKER = "_READY"
"""The file an exporter writes last in a batch folder: a folder without it is still being written."""

DQ_RECALL_TARGET = 95.0
"""Percent of every generator fault kind the data-quality rules must report (scripts/dq_recall.py, the tests)."""
