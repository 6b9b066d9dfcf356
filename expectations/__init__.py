"""Data-quality expectations: the rule catalogue (``rules.toml``), the Great Expectations suites built from it and
from the contract declaration (``suites/*.json``), and the runner that validates each batch."""
