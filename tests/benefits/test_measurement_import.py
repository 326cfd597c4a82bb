"""Importing measurements: previews that list every row's error and save nothing, FHIR MeasureReports,
and re-imports that update instead of duplicating."""

from __future__ import annotations

import datetime as dt
import io
import json
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
        "ar": KpiFactory(benefit=benefit, name="Days in A/R", unit="days", direction="decrease",
                         baseline_value=52, target_value=40),
    }


def preview(world: Any, content: bytes, filename: str = "m.csv") -> services.ImportPreview:
    return services.preview_measurement_import(program=world.program, user=world.program_manager,
                                               filename=filename, content=content)


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
    applied = services.import_measurements(program=world.program, actor=world.program_manager, filename="m.csv",
                                           content=csv)
    assert not applied.ok
    assert Measurement.objects.count() == 0


def test_a_clean_csv_is_imported_and_reimporting_updates_instead_of_duplicating(world: Any,
                                                                                 kpis: dict[str, Any]) -> None:
    csv = b"kpi,value,measured_on,source\nCPOE adoption,41.5,2025-03-31,audit\nDays in A/R,50,2025-03-31,\n"
    first = services.import_measurements(program=world.program, actor=world.program_manager, filename="m.csv",
                                         content=csv)
    assert first.ok and first.counts() == {"created": 2}
    again = services.import_measurements(program=world.program, actor=world.program_manager, filename="m.csv",
                                         content=csv.replace(b"41.5", b"43"))
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
        ("Days in A/R", 49.0, dt.date(2025, 4, 30)), ("CPOE adoption", 44.25, dt.date(2025, 4, 30))]


def test_a_file_without_the_required_columns_is_refused_as_a_whole(world: Any, kpis: dict[str, Any]) -> None:
    result = preview(world, b"name,amount\nx,1\n")
    assert not result.ok
    assert "Missing column(s): kpi, value, measured_on" in result.file_errors[0]


def measure_report(**overrides: Any) -> dict[str, Any]:
    report = {
        "resourceType": "MeasureReport", "id": "cpoe-2025-05", "status": "complete", "type": "summary",
        "measure": f"{CPOE_URL}|2.1.0", "date": "2025-06-02",
        "reporter": {"display": "Lakeside Hospital"},
        "period": {"start": "2025-05-01", "end": "2025-05-31"},
        "group": [{
            "population": [
                {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                      "code": "initial-population"}]}, "count": 1300},
                {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                      "code": "denominator"}]}, "count": 1200},
                {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                      "code": "denominator-exclusion"}]}, "count": 200},
                {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                      "code": "numerator"}]}, "count": 470},
            ],
        }],
    }
    report.update(overrides)
    return report


def test_a_summary_measure_report_with_proportion_populations_gives_a_percentage(world: Any,
                                                                                  kpis: dict[str, Any]) -> None:
    result = preview(world, json.dumps(measure_report()).encode(), "cpoe.json")
    assert result.ok, result.as_dict()
    row = result.rows[0]
    assert row.kpi == kpis["cpoe"]
    assert row.value == pytest.approx(47.0)  # 470 / (1200 - 200), as a percentage for a % KPI
    assert row.measured_on == dt.date(2025, 5, 31)
    assert row.source == "FHIR MeasureReport/cpoe-2025-05 from Lakeside Hospital"


def test_a_bundle_of_reports_with_scores_imports_each_and_flags_unmapped_measures(world: Any,
                                                                                   kpis: dict[str, Any]) -> None:
    scored = measure_report(id="cpoe-individual", type="individual", period={"end": "2025-06-30T23:59:59Z"},
                            subject={"reference": "Patient/123"},
                            group=[{"measureScore": {"value": 0.512}}])
    unmapped = measure_report(id="x", measure="http://elsewhere.example/Measure/unknown")
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": scored}, {"resource": unmapped}, {"resource": {"resourceType": "Patient"}}]}
    result = preview(world, json.dumps(bundle).encode(), "bundle.json")
    rows = result.rows
    assert rows[0].ok and rows[0].value == pytest.approx(51.2) and rows[0].measured_on == dt.date(2025, 6, 30)
    assert "No KPI of this program is mapped to the FHIR measure" in rows[1].errors[0]
    assert "not a MeasureReport" in rows[2].errors[0]
    assert not result.ok


def test_an_invalid_measure_report_and_a_zero_denominator_are_row_errors(world: Any, kpis: dict[str, Any]) -> None:
    broken = measure_report(period="May 2025")
    empty = measure_report(group=[{"population": [
        {"code": {"coding": [{"code": "numerator"}]}, "count": 0},
        {"code": {"coding": [{"code": "denominator"}]}, "count": 0}]}])
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": broken}, {"resource": empty}]}
    rows = preview(world, json.dumps(bundle).encode(), "b.json").rows
    assert "Not a valid FHIR R4 MeasureReport" in rows[0].errors[0]
    assert "denominator" in rows[1].errors[0] and "zero" in rows[1].errors[0]


def test_the_import_api_returns_per_row_results_and_saves_nothing_on_error(world: Any, api_for: Any,
                                                                          kpis: dict[str, Any]) -> None:
    api = api_for("program_manager")
    bad = io.BytesIO(b"kpi,value,measured_on\nCPOE adoption,x,2025-01-31\n")
    bad.name = "bad.csv"
    response = api.post("/api/measurements/import/", {"program": world.program.pk, "file": bad}, format="multipart")
    assert response.status_code == 400
    assert response.json()["rows"][0]["errors"] == ["The value 'x' is not a number."]
    assert Measurement.objects.count() == 0
    good = io.BytesIO(json.dumps(measure_report()).encode())
    good.name = "cpoe.json"
    response = api.post("/api/measurements/import/", {"program": world.program.pk, "file": good}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["rows"][0]["outcome"] == "created" and response.json()["saved"] is True
    assert Measurement.objects.get().value == pytest.approx(47.0)


def test_the_import_page_previews_then_applies_exactly_the_previewed_file(world: Any, client_for: Any,
                                                                          kpis: dict[str, Any]) -> None:
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
