"""The grade catalogue: what sorting turns each collected material into.

A list the customer edits (table ``material_grade``), seeded here with the grades a
Shenzhen sorting centre sells to processors. Each grade belongs to one material code
of :mod:`webapp.models.materials`; sorting a material yields only its own grades.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from webapp.models import Material
from webapp.models.sorting import MaterialGrade

# code, parent material code, 中文, English.
GRADES: tuple[tuple[str, str, str, str], ...] = (
    ("paper_occ", "paper", "黄板纸（OCC）", "Old corrugated cardboard (OCC)"),
    ("paper_news", "paper", "报纸书刊", "Newspapers and books"),
    ("paper_mixed", "paper", "杂纸", "Mixed paper"),
    ("metal_steel", "metal", "废钢铁", "Steel scrap"),
    ("metal_aluminium", "metal", "铝罐铝材", "Aluminium cans and scrap"),
    ("metal_copper", "metal", "废铜", "Copper scrap"),
    ("plastic_hdpe", "plastic", "HDPE硬塑料", "HDPE rigid plastics"),
    ("plastic_pp", "plastic", "PP硬塑料", "PP rigid plastics"),
    ("glass_cullet", "glass", "碎玻璃", "Glass cullet"),
    ("textiles_reuse", "textiles", "可再穿衣物", "Wearable clothing"),
    ("textiles_rags", "textiles", "纺织碎料", "Textile rags"),
    ("lvp_pet", "low_value_plastic", "PET瓶片料", "PET bottles"),
    ("lvp_pp", "low_value_plastic", "PP杂料", "PP mixed"),
    ("lvp_film", "low_value_plastic", "薄膜塑料", "Plastic film"),
    ("wood_pallet", "waste_wood", "木托盘及板材", "Pallets and boards"),
    ("wood_chip", "waste_wood", "木屑碎料", "Wood chips"),
    ("carton_tetra", "composite_packaging", "利乐包", "Liquid cartons"),
)


def seed_grades(session: Session) -> int:
    """Add the standard grades that are missing (no commit); rows edited stay as they are."""
    have = set(session.exec(select(MaterialGrade.code)).all())
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    added = 0
    for order, (code, material, zh, en) in enumerate(GRADES):
        if code in have or material not in ids:
            continue
        session.add(
            MaterialGrade(code=code, material_id=ids[material], name_zh=zh, name_en=en, sort_order=order)
        )
        added += 1
    return added


def grades(session: Session, *, material_id: int | None = None) -> list[MaterialGrade]:
    """Active grades in the catalogue's order (of one material when given)."""
    query = select(MaterialGrade).where(col(MaterialGrade.active).is_(True))
    if material_id is not None:
        query = query.where(MaterialGrade.material_id == material_id)
    return list(session.exec(query.order_by(col(MaterialGrade.sort_order), col(MaterialGrade.id))))
