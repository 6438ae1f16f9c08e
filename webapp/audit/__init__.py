"""The regulator's read-only audit of the battery log: search, battery page, anomalies,
reporting deadlines, exports and the EU-style battery passport."""
