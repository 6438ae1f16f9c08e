"""Tables of the cascade area (filled by the change that builds it)."""
