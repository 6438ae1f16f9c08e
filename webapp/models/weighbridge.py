"""Tables of the weighbridge area (filled by the change that builds it)."""
