"""Importing measurements: previews that list every row's error and save nothing, FHIR MeasureReports,
and re-imports that update instead of duplicating."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from accord.benefits import services
from accord.benefits.models import Measurement
from tests.benefits.factories import BenefitFactory, KpiFactory

CPOE_URL = "http://hospital.example/fhir/Measure/cpoe-adoption"


@pytest.fixture
def kpis(world: Any) -> dict[str, Any]:
    benefit = BenefitFactory(program=world.program)
    return {
        "cpoe": KpiFactory(benefit=benefit, name="CPOE adoption", unit="%", fhir_measure_url=CPOE_URL),
        "ar": KpiFactory(
            benefit=benefit,
            name="Days in A/R",
            unit="days",
            direction="decrease",
            baseline_value=52,
            target_value=40,
        ),
    }


def preview(world: Any, content: bytes, filename: str = "m.csv") -> services.ImportPreview:
    return services.preview_measurement_import(
        program=world.program, user=world.program_manager, filename=filename, content=content
    )


def test_a_preview_lists_every_bad_row_and_saves_nothing(world: Any, kpis: dict[str, Any]) -> None:
    csv = (
        "kpi,value,measured_on,source\n"
        f"{kpis['cpoe'].pk},41.5,2025-03-31,order audit\n"
        "Bed turnover,3,2025-03-31,\n"
        "Days in A/R,about fifty,2025-03-31,\n"
        "Days in A/R,50,31/03/2025,\n"
        "CPOE adoption,42,2025-03-31,\n"
    ).encode()
    result = preview(world, csv)
    assert not result.ok
    errors = {row.line: row.errors for row in result.rows}
    assert errors[2] == []
    assert "Unknown KPI 'Bed turnover'" in errors[3][0]
    assert "'about fifty' is not a number" in errors[4][0]
    assert "'31/03/2025' is not a date" in errors[5][0]
    assert "Duplicates line 2" in errors[6][0]
    applied = services.import_measurements(
        program=world.program, actor=world.program_manager, filename="m.csv", content=csv
    )
    assert not applied.ok
    assert Measurement.objects.count() == 0


def test_a_clean_csv_is_imported_and_reimporting_updates_instead_of_duplicating(
    world: Any, kpis: dict[str, Any]
) -> None:
    csv = b"kpi,value,measured_on,source\nCPOE adoption,41.5,2025-03-31,audit\nDays in A/R,50,2025-03-31,\n"
    first = services.import_measurements(
        program=world.program, actor=world.program_manager, filename="m.csv", content=csv
    )
    assert first.ok and first.counts() == {"created": 2}
    again = services.import_measurements(
        program=world.program,
        actor=world.program_manager,
        filename="m.csv",
        content=csv.replace(b"41.5", b"43"),
    )
    assert again.counts() == {"updated": 1, "unchanged": 1}
    assert Measurement.objects.count() == 2
    assert Measurement.objects.get(kpi=kpis["cpoe"]).value == 43.0


def test_an_xlsx_file_with_real_dates_and_numbers_is_read(world: Any, kpis: dict[str, Any]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["KPI", "Value", "Measured_on", "Source"])
    sheet.append(["Days in A/R", 49, dt.datetime(2025, 4, 30), "RCM dashboard"])
    sheet.append([kpis["cpoe"].pk, 44.25, dt.date(2025, 4, 30), None])
    buffer = io.BytesIO()
    book.save(buffer)
    result = preview(world, buffer.getvalue(), "m.xlsx")
    assert result.ok, [r.errors for r in result.rows]
    assert [(r.kpi.name, r.value, r.measured_on) for r in result.rows] == [
        ("Days in A/R", 49.0, dt.date(2025, 4, 30)),
        ("CPOE adoption", 44.25, dt.date(2025, 4, 30)),
    ]


def test_a_file_without_the_required_columns_is_refused_as_a_whole(world: Any, kpis: dict[str, Any]) -> None:
    result = preview(world, b"name,amount\nx,1\n")
    assert not result.ok
    assert "Missing column(s): kpi, value, measured_on" in result.file_errors[0]


def measure_report(**overrides: Any) -> dict[str, Any]:
    report = {
        "resourceType": "MeasureReport",
        "id": "cpoe-2025-05",
        "status": "complete",
        "type": "summary",
        "measure": f"{CPOE_URL}|2.1.0",
        "date": "2025-06-02",
        "reporter": {"display": "Lakeside Hospital"},
        "period": {"start": "2025-05-01", "end": "2025-05-31"},
        "group": [
            {
                "population": [
                    {
                        "code": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                    "code": "initial-population",
                                }
                            ]
                        },
                        "count": 1300,
                    },
                    {
                        "code": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                    "code": "denominator",
                                }
                            ]
                        },
                        "count": 1200,
                    },
                    {
                        "code": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                    "code": "denominator-exclusion",
                                }
                            ]
                        },
                        "count": 200,
                    },
                    {
                        "code": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                    "code": "numerator",
                                }
                            ]
                        },
                        "count": 470,
                    },
                ],
            }
        ],
    }
    report.update(overrides)
    return report


def test_a_summary_measure_report_with_proportion_populations_gives_a_percentage(
    world: Any, kpis: dict[str, Any]
) -> None:
    result = preview(world, json.dumps(measure_report()).encode(), "cpoe.json")
    assert result.ok, result.as_dict()
    row = result.rows[0]
    assert row.kpi == kpis["cpoe"]
    assert row.value == pytest.approx(47.0)  # 470 / (1200 - 200), as a percentage for a % KPI
    assert row.measured_on == dt.date(2025, 5, 31)
    assert row.source == "FHIR MeasureReport/cpoe-2025-05 from Lakeside Hospital"


def test_a_bundle_of_reports_with_scores_imports_each_and_flags_unmapped_measures(
    world: Any, kpis: dict[str, Any]
) -> None:
    scored = measure_report(
        id="cpoe-2025-06",
        period={"end": "2025-06-30T23:59:59Z"},
        group=[{"measureScore": {"value": 0.512}}],
    )
    unmapped = measure_report(id="x", measure="http://elsewhere.example/Measure/unknown")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": scored}, {"resource": unmapped}, {"resource": {"resourceType": "Patient"}}],
    }
    result = preview(world, json.dumps(bundle).encode(), "bundle.json")
    rows = result.rows
    assert rows[0].ok and rows[0].value == pytest.approx(51.2) and rows[0].measured_on == dt.date(2025, 6, 30)
    assert "No KPI of this program is mapped to the FHIR measure" in rows[1].errors[0]
    assert "not a MeasureReport" in rows[2].errors[0]
    assert not result.ok


def test_an_invalid_measure_report_and_a_zero_denominator_are_row_errors(
    world: Any, kpis: dict[str, Any]
) -> None:
    broken = measure_report(period="May 2025")
    empty = measure_report(
        group=[
            {
                "population": [
                    {"code": {"coding": [{"code": "numerator"}]}, "count": 0},
                    {"code": {"coding": [{"code": "denominator"}]}, "count": 0},
                ]
            }
        ]
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": broken}, {"resource": empty}],
    }
    rows = preview(world, json.dumps(bundle).encode(), "b.json").rows
    assert "Not a valid FHIR R4 MeasureReport" in rows[0].errors[0]
    assert "denominator" in rows[1].errors[0] and "zero" in rows[1].errors[0]


def test_the_import_api_returns_per_row_results_and_saves_nothing_on_error(
    world: Any, api_for: Any, kpis: dict[str, Any]
) -> None:
    api = api_for("program_manager")
    bad = io.BytesIO(b"kpi,value,measured_on\nCPOE adoption,x,2025-01-31\n")
    bad.name = "bad.csv"
    response = api.post(
        "/api/measurements/import/", {"program": world.program.pk, "file": bad}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["rows"][0]["errors"] == ["The value 'x' is not a number."]
    assert Measurement.objects.count() == 0
    good = io.BytesIO(json.dumps(measure_report()).encode())
    good.name = "cpoe.json"
    response = api.post(
        "/api/measurements/import/", {"program": world.program.pk, "file": good}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rows"][0]["outcome"] == "created" and response.json()["saved"] is True
    assert Measurement.objects.get().value == pytest.approx(47.0)


def test_the_import_page_previews_then_applies_exactly_the_previewed_file(
    world: Any, client_for: Any, kpis: dict[str, Any]
) -> None:
    client = client_for("program_manager")
    url = f"/programs/{world.program.pk}/benefits/measurements/import/"
    upload = io.BytesIO(b"kpi,value,measured_on,source\nDays in A/R,48,2025-05-31,RCM\n")
    upload.name = "ar.csv"
    page = client.post(url, {"file": upload})
    assert page.status_code == 200
    assert b"All 1 rows are valid. Nothing has been saved yet." in page.content
    assert Measurement.objects.count() == 0
    digest = page.context["digest"]
    tampered = client.post(url + "confirm/", {"digest": "0" * 64})
    assert tampered.status_code == 302 and Measurement.objects.count() == 0
    done = client.post(url + "confirm/", {"digest": digest})
    assert done.status_code == 302
    assert Measurement.objects.get().value == 48.0


# --- Upload ceilings and decimal separators --------------------------------------------------------

IMPORT_URL = "/programs/{}/benefits/measurements/import/"


def test_a_file_over_the_upload_limit_is_refused_on_the_form_with_the_limit_named(
    world: Any, client_for: Any, kpis: dict[str, Any], settings: Any
) -> None:
    settings.ACCORD_MEASUREMENT_UPLOAD_MAX_MB = 0.001  # 1,000 bytes
    upload = io.BytesIO(b"kpi,value,measured_on,source\n" + b"Days in A/R,48,2025-05-31,RCM\n" * 60)
    upload.name = "ar.csv"
    page = client_for("program_manager").post(IMPORT_URL.format(world.program.pk), {"file": upload})
    assert page.status_code == 400
    assert "This file is 0.00183 MB; a measurement file may be at most 0.001 MB." in page.content.decode()
    # The API reads through the same module, so it holds the same ceiling.
    result = preview(world, b"kpi,value,measured_on\n" + b"Days in A/R,48,2025-05-31\n" * 60)
    assert "a measurement file may be at most 0.001 MB" in result.file_errors[0]


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced by `sheet_xml` (as a hostile file would be)."""
    book = Workbook()
    book.active.append(["kpi", "value", "measured_on"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item.filename, data)
    return out.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def test_an_xlsx_declaring_millions_of_cells_is_refused_before_it_is_parsed(
    world: Any, kpis: dict[str, Any], monkeypatch: Any
) -> None:
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the workbook was parsed"))
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c><c r="C%d"><v>3</v></c></row>'
        % (i, i, i, i)
        for i in range(1, 2001)
    )
    declared = xlsx_with_sheet(
        SHEET_HEAD + b'<dimension ref="A1:C1000000"/><sheetData>' + rows + b"</sheetData></worksheet>"
    )
    result = preview(world, declared, "bomb.xlsx")
    assert not result.ok and result.rows == []
    assert (
        "spans 1,000,000 rows by 3 columns (3,000,000 cells); a measurement workbook may hold at most "
        "45,000 cells"
    ) in result.file_errors[0]
    # Without a <dimension>, the unpacked size still gives it away: 3 million cells in a small zip.
    flood = b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>3</v></c></row>' * 100_000
    undeclared = xlsx_with_sheet(SHEET_HEAD + b"<sheetData>" + flood + b"</sheetData></worksheet>")
    assert len(undeclared) < 200_000
    result = preview(world, undeclared, "bomb.xlsx")
    assert (
        not result.ok
        and "unpacks to" in result.file_errors[0]
        and "the limit is 5 MB" in result.file_errors[0]
    )


def test_an_xlsx_misstating_its_dimension_is_stopped_at_the_cell_budget_while_streaming(
    world: Any, kpis: Any, settings: Any
) -> None:
    settings.ACCORD_XLSX_MAX_CELLS = 1000
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Days in A/R</t></is></c><c r="B%d"><v>5</v></c>'
        b'<c r="C%d" t="inlineStr"><is><t>2025-01-01</t></is></c></row>' % (i, i, i, i)
        for i in range(2, 502)
    )
    header = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>kpi</t></is></c><c r="B1" t="inlineStr"><is><t>value</t>'
        b'</is></c><c r="C1" t="inlineStr"><is><t>measured_on</t></is></c></row>'
    )
    lying = xlsx_with_sheet(
        SHEET_HEAD + b'<dimension ref="A1:C2"/><sheetData>' + header + rows + b"</sheetData></worksheet>"
    )
    result = preview(world, lying, "lying.xlsx")
    assert not result.ok and "The first sheet holds more than 1,000 cells" in result.file_errors[0]
    settings.ACCORD_XLSX_MAX_CELLS = 45_000
    result = preview(world, lying, "lying.xlsx")
    assert len(result.rows) == 500 and not result.file_errors


def test_a_semicolon_csv_reads_decimal_commas_and_stores_3_point_1(world: Any, kpis: dict[str, Any]) -> None:
    csv = "kpi;value;measured_on;source\nDays in A/R;3,1;2025-03-31;RCM\nCPOE adoption;41,25;2025-03-31;\n"
    result = services.import_measurements(
        program=world.program, actor=world.program_manager, filename="m.csv", content=csv.encode()
    )
    assert result.ok, [r.errors for r in result.rows]
    assert Measurement.objects.get(kpi=kpis["ar"]).value == 3.1
    assert Measurement.objects.get(kpi=kpis["cpoe"]).value == 41.25


def test_ambiguous_or_mixed_separators_are_row_errors_in_the_preview(
    world: Any, kpis: dict[str, Any]
) -> None:
    semicolons = (
        "kpi;value;measured_on\nDays in A/R;1,234;2025-01-31\nDays in A/R;1.234,5;2025-02-28\n"
        "Days in A/R;1.234;2025-03-31\nDays in A/R;12,5;2025-04-30\n"
    )
    result = preview(world, semicolons.encode())
    errors = {row.line: row.errors for row in result.rows}
    assert "'1,234' is ambiguous" in errors[2][0]
    assert "'1.234,5' mixes '.' and ','" in errors[3][0]
    assert "'1.234' is ambiguous in a file with decimal commas" in errors[4][0]
    assert errors[5] == [] and result.rows[3].value == 12.5
    # With decimal points (a ',' separated file), a comma is never dropped: "3,1" is not read as 31.
    commas = b'kpi,value,measured_on\nDays in A/R,"3,1",2025-03-31\nDays in A/R,"1,234.5",2025-04-30\n'
    result = services.import_measurements(
        program=world.program, actor=world.program_manager, filename="m.csv", content=commas
    )
    errors = {row.line: row.errors for row in result.rows}
    assert (
        "'3,1' has a comma, but this file's numbers are read with a decimal point: write 3.1" in errors[2][0]
    )
    assert "'1,234.5' mixes" in errors[3][0]
    assert not result.ok and Measurement.objects.count() == 0


def test_the_decimal_comma_option_reads_xlsx_text_and_keeps_typed_numbers(
    world: Any, client_for: Any, kpis: dict[str, Any]
) -> None:
    book = Workbook()
    book.active.append(["kpi", "value", "measured_on"])
    book.active.append(["Days in A/R", "3,1", "2025-03-31"])
    book.active.append(["CPOE adoption", 44.125, "2025-03-31"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "m.xlsx"
    client = client_for("program_manager")
    url = IMPORT_URL.format(world.program.pk)
    page = client.post(url, {"file": buffer, "decimal": "comma"})
    assert page.status_code == 200, page.content.decode()
    assert [row.value for row in page.context["preview"].rows] == [3.1, 44.125]
    assert client.post(url + "confirm/", {"digest": page.context["digest"]}).status_code == 302
    assert Measurement.objects.get(kpi=kpis["ar"]).value == 3.1
    # Without the option the same text cell is refused, not read as 31.
    buffer.seek(0)
    page = client.post(url, {"file": buffer})
    assert page.status_code == 400 and "choose “decimal comma” on the upload form" in page.content.decode()


# --- An import killed half-way -------------------------------------------------------------------

PAUSED_MEASUREMENT_IMPORT = """
import json, sys, time, django
django.setup()
from django.contrib.auth import get_user_model
from accord.benefits import services
from accord.programs.models import Program
marker, program, actor, path = sys.argv[1:5]
original, written = services.record_measurement, []
def record_measurement(**kwargs):
    outcome = original(**kwargs)
    written.append(1)
    if len(written) == 2:
        open(marker, "w").write("writing")
        time.sleep(600)
    return outcome
if marker != "-":
    services.record_measurement = record_measurement
result = services.import_measurements(program=Program.objects.get(pk=program),
                                      actor=get_user_model().objects.get(pk=actor), filename="m.csv",
                                      content=open(path, "rb").read())
print(json.dumps({"ok": result.ok, "counts": result.counts()}))
"""

COUNT_MEASUREMENTS = """
import json, sys, django
django.setup()
from accord.benefits.models import Measurement
from accord.core.models import AuditEntry
program = int(sys.argv[1])
print(json.dumps({"measurements": Measurement.objects.filter(kpi__benefit__program_id=program).count(),
                  "imports": AuditEntry.objects.filter(object_type="benefits.measurementimport").count()}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_measurement_import_killed_mid_write_saves_nothing_and_a_rerun_saves_all(
    world: Any, kpis: dict[str, Any], tmp_path: Any
) -> None:
    from tests.sla.killing import child_database_url, child_env, kill_once_writing, run_child

    rows = "".join(f"Days in A/R,{40 + month},2025-{month:02d}-28,RCM\n" for month in range(1, 7))
    path = tmp_path / "m.csv"
    path.write_text("kpi,value,measured_on,source\n" + rows)
    env = child_env(child_database_url(tmp_path), tmp_path)
    marker = tmp_path / "writing"
    args = (str(world.program.pk), str(world.program_manager.pk), str(path))

    kill_once_writing(PAUSED_MEASUREMENT_IMPORT, env, marker, str(marker), *args)

    assert run_child(COUNT_MEASUREMENTS, env, str(world.program.pk)) == {"measurements": 0, "imports": 0}
    assert run_child(PAUSED_MEASUREMENT_IMPORT, env, "-", *args) == {"ok": True, "counts": {"created": 6}}
    assert run_child(COUNT_MEASUREMENTS, env, str(world.program.pk)) == {"measurements": 6, "imports": 1}


def test_a_fhir_bundle_past_a_thousand_reports_is_refused_before_validation(world: Any, kpis: Any) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": measure_report()}] * 1001,
    }
    result = preview(world, json.dumps(bundle).encode(), "bundle.json")
    assert result.file_errors == [
        "The bundle holds 1,001 resources; at most 1,000 are read at once: split the bundle."
    ]


def populations(numerator: int, denominator: int) -> list[dict[str, Any]]:
    return [
        {"code": {"coding": [{"code": "denominator"}]}, "count": denominator},
        {"code": {"coding": [{"code": "numerator"}]}, "count": numerator},
    ]


def site_group(code: str, numerator: int, denominator: int) -> dict[str, Any]:
    return {"code": {"coding": [{"code": code}]}, "population": populations(numerator, denominator)}


def test_a_report_in_error_and_per_patient_reports_are_refused(world: Any, kpis: dict[str, Any]) -> None:
    failed = measure_report(id="failed", status="error")
    individual = measure_report(
        id="one-patient",
        type="individual",
        subject={"reference": "Patient/123"},
        group=[{"measureScore": {"value": 1}}],
    )
    subject_list = measure_report(id="list", type="subject-list")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": failed}, {"resource": individual}, {"resource": subject_list}],
    }
    result = preview(world, json.dumps(bundle).encode(), "b.json")
    errors = [row.errors for row in result.rows]
    assert "status is error" in errors[0][0]
    assert "individual (one patient's) report" in errors[1][0]
    assert "subject list" in errors[2][0]
    assert not result.ok and not any(row.value is not None for row in result.rows)


def test_a_multi_site_report_aggregates_numerators_and_denominators_unless_the_kpi_names_a_site(
    world: Any, kpis: dict[str, Any]
) -> None:
    # North: 90/100 (90 %), South: 10/400 (2.5 %). The program's figure is 100/500 = 20 %, not the
    # 46.25 % an average of the two percentages would give.
    report = measure_report(group=[site_group("north", 90, 100), site_group("south", 10, 400)])
    north = KpiFactory(
        benefit=kpis["cpoe"].benefit,
        name="CPOE adoption, North",
        unit="%",
        fhir_measure_url=CPOE_URL,
        fhir_group_code="north",
    )
    result = preview(world, json.dumps(report).encode(), "sites.json")
    assert result.ok, result.as_dict()
    values = {row.kpi: row.value for row in result.rows}
    assert values == {kpis["cpoe"]: pytest.approx(20.0), north: pytest.approx(90.0)}
    services.import_measurements(
        program=world.program,
        actor=world.program_manager,
        filename="sites.json",
        content=json.dumps(report).encode(),
    )
    assert Measurement.objects.get(kpi=north).value == pytest.approx(90.0)
    assert Measurement.objects.get(kpi=kpis["cpoe"]).value == pytest.approx(20.0)


def test_a_kpi_naming_a_site_the_report_lacks_and_unaggregatable_groups_are_row_errors(
    world: Any, kpis: dict[str, Any]
) -> None:
    KpiFactory(
        benefit=kpis["cpoe"].benefit,
        name="CPOE adoption, East",
        unit="%",
        fhir_measure_url=CPOE_URL,
        fhir_group_code="east",
    )
    scores_only = measure_report(
        group=[
            {"code": {"text": "north"}, "measureScore": {"value": 0.9}},
            {"code": {"text": "south"}, "measureScore": {"value": 0.1}},
        ]
    )
    result = preview(world, json.dumps(scores_only).encode(), "sites.json")
    errors = {row.kpi.name: row.errors for row in result.rows}
    assert "no group 'east' (its groups: 'north', 'south')" in errors["CPOE adoption, East"][0]
    assert "not all carry numerator and denominator" in errors["CPOE adoption"][0]
    assert not result.ok


def test_a_searchset_with_an_informational_outcome_is_read_and_a_failed_search_is_refused(
    world: Any, kpis: dict[str, Any]
) -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": "2 results"}],
    }
    searchset = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            {"resource": measure_report(), "search": {"mode": "match"}},
            {"resource": outcome, "search": {"mode": "outcome"}},
        ],
    }
    result = preview(world, json.dumps(searchset).encode(), "search.json")
    assert result.ok, result.as_dict()
    assert [row.value for row in result.rows] == [pytest.approx(47.0)]

    outcome["issue"] = [{"severity": "error", "code": "timeout", "diagnostics": "search timed out"}]
    failed = preview(world, json.dumps(searchset).encode(), "search.json")
    assert not failed.ok and "search timed out" in failed.file_errors[0]
