"""Tables of the sorting area (filled by the change that builds it)."""
