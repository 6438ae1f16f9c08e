"""Tables of the workshop area (filled by the change that builds it)."""
