"""Tables of the residents area (filled by the change that builds it)."""
