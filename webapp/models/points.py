"""Tables of the points area (filled by the change that builds it)."""
