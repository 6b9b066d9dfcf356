"""How counts read in messages: "1 row", "2 rows", "1,024 rows" (a "1 rows" in a log reads as careless)."""


def counted(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else plural or word + 's'}"
