"""Build the PDF report's font: WenQuanYi Micro Hei cut down to GB 2312 and ASCII.

Run once when the font or the character set changes (needs fontTools and the
system font from Debian's ``fonts-wqy-microhei``)::

    python -m webapp.metrics._fontsubset /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

The result, ``webapp/static/fonts/wqy-microhei-gb2312.ttf``, ships with the app so
the report needs nothing installed; reportlab embeds the glyphs it uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "static" / "fonts" / "wqy-microhei-gb2312.ttf"


def gb2312_characters() -> str:
    """Every character of GB 2312 (symbols, level 1 and level 2 hanzi) plus printable ASCII."""
    found = [chr(c) for c in range(0x20, 0x7F)]
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(found) + "\u2014\u2013\u00b7\u2212\u00d7"


def build(source: Path, out: Path = OUT) -> Path:
    """Subset font 0 of ``source`` (a .ttc or .ttf) into ``out``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=0)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=gb2312_characters())
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(out)
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
