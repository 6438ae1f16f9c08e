"""Recyclable material categories: an editable list, seeded by ``reloop seed reference``."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Material(SQLModel, table=True):
    """A category collected at outlets; ``low_value`` marks 低价值可回收物."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)
    low_value: bool = False
    # Bulk density lets the router turn kilograms into bin volume.
    density_kg_m3: int = Field(default=100, gt=0)
    # What a kilogram fetches from the buyer: the prize of an optional pickup.
    price_fen_per_kg: int = Field(default=0, ge=0)
    sort_order: int = 0
    active: bool = True

    def name(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.name_en if locale.startswith("en") else self.name_zh
