"""Tables of the weekplans area (filled by the change that builds it)."""
