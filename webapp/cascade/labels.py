"""The product label (梯次利用产品标识), in the spirit of GB/T 34015.4.

A label is data: an ordered list of ``{"key", "value"}`` fields stored on the product
when it is built, so the printed label says what was true then. The page prints the
fields in order with their names (:data:`NAMES`), the 梯次利用 mark, the code as text
and a QR code to the product's passport page, which lists its source batteries.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask_babel import lazy_gettext as _l

from traceability import CHINA_TZ
from webapp.models.cascade import CascadeProduct, ProductSpec

#: The mark every cascade product carries.
MARK = "梯次利用"
NAMES: dict[str, Any] = {
    "product_name": _l("Product name"),
    "product_type": _l("Product type"),
    "mark": _l("Cascade-use mark"),
    "rated_capacity": _l("Rated capacity"),
    "rated_energy": _l("Rated energy"),
    "nominal_voltage": _l("Nominal voltage"),
    "configuration": _l("Configuration"),
    "producer": _l("Producer"),
    "date": _l("Date of manufacture"),
    "code": _l("Product code"),
    "short_code": _l("Short code"),
}


def fields(product: CascadeProduct, spec: ProductSpec, *, source_type: str = "M") -> dict[str, Any]:
    """The label's fields for a product being built."""
    unit = {"M": "M", "C": "C", "P": "P"}.get(source_type, source_type)
    values = [
        ("product_name", spec.name),
        ("product_type", spec.product_type or spec.name),
        ("mark", MARK),
        ("rated_capacity", f"{product.rated_capacity_mah / 1000:g} Ah"),
        ("rated_energy", f"{product.rated_energy_wh / 1000:g} kWh"),
        ("nominal_voltage", f"{product.nominal_voltage_mv / 1000:g} V"),
        ("configuration", f"{spec.series_count}S{spec.parallel_count}P ({unit})"),
        ("producer", product.producer),
        ("date", product.built_at.astimezone(CHINA_TZ).date().isoformat()),
        ("code", product.code),
        ("short_code", product.short_code),
    ]
    return {"standard": "GB/T 34015.4", "fields": [{"key": k, "value": v} for k, v in values]}


def name(key: str) -> str:
    """The printed name of a label field (the key itself when unknown)."""
    return str(NAMES.get(key, key))


def qr_svg(url: str) -> str:
    """An inline SVG QR code for ``url``."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]
