"""The report command: JSON, CSV (zip), XLSX and PDF, and the PDF's numbers match the CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from .conftest import World

ARGS = ["metrics", "report", "--from", "2026-03-01", "--to", "2026-04-30"]


def run(runner: FlaskCliRunner, *extra: str) -> object:
    return runner.invoke(args=[*ARGS, *extra])


def csv_tables(path: Path) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name.split("_", 1)[1].removesuffix(".csv"): list(
                csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            )
            for name in archive.namelist()
        }


def test_json_report_has_the_five_groups(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """One object with outlets, collection, batteries, carbon and subsidy."""
    out = tmp_path / "r.json"
    result = run(runner, "--format", "json", "--out", str(out), "--org", str(world.org_id))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"outlets", "collection", "batteries", "carbon", "subsidy"} <= set(data)
    assert data["collection"]["total"]["value"] == 22_000


def test_csv_report_is_a_zip_of_tables(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """Each table is its own CSV; the material table holds the corrected paper weight."""
    out = tmp_path / "r.zip"
    assert run(runner, "--format", "csv", "--out", str(out)).exit_code == 0
    tables = csv_tables(out)
    assert {
        "summary",
        "tonnes_by_material",
        "tonnes_by_month",
        "battery_flow",
        "emission_factors",
        "subsidy_estimate",
    } <= set(tables)
    paper = next(r for r in tables["tonnes_by_material"] if r[0] == "paper")
    assert paper[3] == "0.012"


def test_xlsx_report_has_a_sheet_per_table(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """The workbook's sheets are the CSV's tables, numbers stored as numbers."""
    out = tmp_path / "r.xlsx"
    assert run(runner, "--format", "xlsx", "--out", str(out)).exit_code == 0
    book = load_workbook(out)
    assert len(book.sheetnames) == len(csv_tables(_csv(runner, tmp_path)))
    by_material = next(book[n] for n in book.sheetnames if "品类" in n)
    rows = list(by_material.iter_rows(min_row=3, values_only=True))
    assert ("paper", "废纸", "否", 0.012, pytest.approx(0.048)) in [
        (r[0], r[1], r[2], r[3], pytest.approx(r[4])) for r in rows
    ]


def test_pdf_numbers_match_the_csv(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """Every summary value and material tonnage of the CSV appears in the PDF's text."""
    pdf, zipped = tmp_path / "r.pdf", tmp_path / "r.zip"
    assert run(runner, "--format", "pdf", "--out", str(pdf)).exit_code == 0
    assert run(runner, "--format", "csv", "--out", str(zipped)).exit_code == 0
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    tables = csv_tables(zipped)
    for label, value, _unit in tables["summary"][1:]:
        assert label in text and value in text, (label, value)
    for row in tables["tonnes_by_material"][1:]:
        assert re.search(rf"{row[0]}\s+{re.escape(row[1])}\s+\S+\s+{row[3]}\s", text), row


def test_pdf_embeds_its_chinese_font(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """The CJK font is embedded (a subset), not left to the viewer."""
    pdf = tmp_path / "r.pdf"
    assert run(runner, "--format", "pdf", "--out", str(pdf)).exit_code == 0
    fonts = []
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for item in descendants:
                descriptor = item.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    fonts.append((str(font["/BaseFont"]), "/FontFile2" in descriptor.get_object()))
    assert any("WenQuanYiMicroHei" in name and embedded for name, embedded in fonts)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--from", "2026-13-01", "--to", "2026-04-30"], "--from"),
        (["--from", "2026-05-01", "--to", "2026-04-30"], "--to"),
        (["--from", "2026-03-01", "--to", "2026-04-30", "--org", "99999"], "--org"),
        (["--from", "2026-03-01", "--to", "2026-04-30", "--district", "atlantis"], "--district"),
    ],
)
def test_bad_options_are_named(
    runner: FlaskCliRunner, world: World, tmp_path: Path, args: list[str], option: str
) -> None:
    """A bad date, a reversed period, an unknown org or district names the option."""
    result = runner.invoke(
        args=["metrics", "report", *args, "--format", "json", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert option in result.output


def _csv(runner: FlaskCliRunner, tmp_path: Path) -> Path:
    out = tmp_path / "tables.zip"
    assert run(runner, "--format", "csv", "--out", str(out)).exit_code == 0
    return out


def test_xlsx_sheets_are_named_in_chinese(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """Sheet names are the tables' Chinese titles, not their internal keys."""
    out = tmp_path / "r.xlsx"
    assert run(runner, "--format", "xlsx", "--out", str(out)).exit_code == 0
    names = load_workbook(out).sheetnames
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names) and "summary" not in names, names


def test_pdf_numbers_its_pages_and_dates_in_beijing_time(
    runner: FlaskCliRunner, world: World, tmp_path: Path
) -> None:
    """Each page ends "第 n 页 / 共 m 页" and carries the generated-at time in Beijing time."""
    pdf = tmp_path / "r.pdf"
    assert run(runner, "--format", "pdf", "--out", str(pdf)).exit_code == 0
    pages = PdfReader(pdf).pages
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"第 {number} 页 / 共 {len(pages)} 页" in text and "（北京时间）" in text, text[-200:]


def test_counts_have_no_decimals_in_the_csv(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    """The subsidy table's count of new outlets reads "2", not "2.000"; tonnes keep theirs."""
    tables = csv_tables(_csv(runner, tmp_path))
    rows = [r for r in tables["subsidy_estimate"][1:] if r[2] == "个"]
    assert rows and all(re.fullmatch(r"\d+", r[1]) and re.fullmatch(r"\d+", r[6]) for r in rows), rows
    assert all(re.fullmatch(r"\d+\.\d{3}", r[1]) for r in tables["subsidy_estimate"][1:] if r[2] == "吨")
