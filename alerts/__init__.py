"""Data-quality alerts to the people who own the records, by team."""
