"""Cascade use (梯次利用) of retired power batteries: pure domain logic, no Flask.

Regrouping graded modules into cascade products lives here, beside ``routing``,
``traceability`` and ``geodata``.
"""
