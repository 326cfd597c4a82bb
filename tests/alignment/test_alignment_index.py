"""The alignment index: each part's value and weight, a missing part's weight going to the others, weights
set per program, the program score, and the page that explains every score."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.alignment import engine, queries, red_flags, services
from tests.alignment.builders import T0, TODAY, make_group, publish, scored_program


def _by_name(result) -> dict[str, tuple]:
    return {group.name: (score, inputs) for group, score, inputs in result.groups}


def _parts(score) -> dict[str, tuple]:
    return {
        p["name"]: (p["raw"], p["normalised"], p["weight"], p["contribution"])
        for p in score.as_dict()["parts"]
    }


@pytest.fixture
def scored(world):
    return scored_program(world)


@pytest.fixture
def red_flag_counter(monkeypatch):
    """Stand in for the red-flag register that the governance app declares on its AppConfig."""

    def install(counter):
        monkeypatch.setattr(red_flags, "providers", lambda hook: [counter])

    return install


def test_each_part_of_a_groups_score_has_its_value_weight_and_contribution(world, scored) -> None:
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    score, _inputs = _by_name(result)["Nursing"]
    assert _parts(score) == {
        "endorsement": ("endorsed", 100.0, 30.0, 30.0),
        "delivery": ("1 of 2 on time", 50.0, 25.0, 12.5),
        "readiness": ("A4 D2 K4 A4 R4", 65.0, 20.0, 13.0),
        "impact": ("net -2 over 1", 16.7, 15.0, 2.5),
        "red_flags": ("0 open", 100.0, 10.0, 10.0),
    }
    assert score.value == pytest.approx(68.0)


def test_a_part_with_nothing_to_judge_gives_its_weight_to_the_other_parts(world, scored) -> None:
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    score, _inputs = _by_name(result)["EHR vendor"]
    parts = _parts(score)
    assert parts["endorsement"][:2] == ("requested", 25.0)
    assert parts["delivery"][:2] == ("no commitments due yet", None)
    assert parts["readiness"][:2] == ("not assessed", None)
    assert parts["impact"][:2] == ("net +3 over 1", 100.0)
    assert score.value == pytest.approx((30 * 25 + 15 * 100 + 10 * 100) / 55)


def test_the_program_score_weighs_the_mean_of_its_groups_parts(world, scored) -> None:
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    parts = _parts(result.program_score)
    assert parts["endorsement"][:2] == ("mean of 2 groups", 62.5)
    assert parts["delivery"][:2] == ("mean of 1 group", 50.0)
    assert parts["impact"][1] == pytest.approx(58.3)
    assert result.program_score.value == pytest.approx(63.0)


def test_groups_are_ranked_most_aligned_first(world, scored) -> None:
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    assert [g.name for g, _s, _i in result.groups] == ["Nursing", "EHR vendor"]


def test_weights_set_for_a_program_change_its_scores_and_no_other_programs(world, scored) -> None:
    services.set_alignment_weights(
        program=world.program,
        actor=world.program_manager,
        weights={"endorsement": 100, "delivery": 0, "readiness": 0, "impact": 0, "red_flags": 0},
    )
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    scores = {name: s.value for name, (s, _i) in _by_name(result).items()}
    assert scores == {"Nursing": pytest.approx(100.0), "EHR vendor": pytest.approx(25.0)}
    assert result.program_score.value == pytest.approx(62.5)
    assert queries.weights_for(world.other_program) == engine.DEFAULT_WEIGHTS


def test_a_partial_weights_change_keeps_the_other_weights(world, scored) -> None:
    services.set_alignment_weights(program=world.program, actor=world.program_manager, weights={"impact": 45})
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    assert result.weights == {**engine.DEFAULT_WEIGHTS, "impact": 45}
    nursing, _inputs = _by_name(result)["Nursing"]
    assert nursing.value == pytest.approx((3000 + 1250 + 1300 + 45 * 100 / 6 + 1000) / 130)


@pytest.mark.parametrize(
    "weights",
    [
        {"endorsement": 0, "delivery": 0, "readiness": 0, "impact": 0, "red_flags": 0},
        {"endorsement": -5},
    ],
)
def test_weights_that_cannot_make_a_score_are_refused(world, scored, weights) -> None:
    with pytest.raises(ValidationError):
        services.set_alignment_weights(program=world.program, actor=world.program_manager, weights=weights)
    assert queries.weights_for(world.program) == engine.DEFAULT_WEIGHTS


def test_only_the_program_manager_sets_the_weights(world, scored) -> None:
    with pytest.raises(PermissionDenied):
        services.set_alignment_weights(
            program=world.program, actor=world.stakeholder_lead, weights={"endorsement": 90}
        )
    assert queries.weights_for(world.program) == engine.DEFAULT_WEIGHTS


def test_open_red_flags_on_a_group_lower_its_red_flag_part(world, scored, red_flag_counter) -> None:
    nursing = scored["nursing"]
    red_flag_counter(lambda program, audience: {nursing.pk: 2})
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    score, _inputs = _by_name(result)["Nursing"]
    assert _parts(score)["red_flags"] == ("2 open", 50.0, 10.0, 5.0)
    assert score.value == pytest.approx(63.0)


def test_only_the_current_version_counts_for_endorsement(world, scored) -> None:
    publish(world, "Version two", now=T0)
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    score, _inputs = _by_name(result)["Nursing"]
    assert _parts(score)["endorsement"][:2] == ("requested", 25.0)
    assert result.version.number == 2


def test_the_score_on_an_earlier_day_ignores_what_happened_after_it(world, scored) -> None:
    result = queries.compute_alignment(
        program=world.program, today=TODAY - dt.timedelta(days=1), audience="internal"
    )
    score, _inputs = _by_name(result)["Nursing"]
    assert _parts(score)["endorsement"][:2] == ("no published version", None)
    assert result.version is None


def test_a_program_without_groups_has_no_score(world) -> None:
    result = queries.compute_alignment(program=world.other_program, today=TODAY, audience="internal")
    assert result.program_score.value is None and result.groups == []


def test_the_index_page_explains_every_score_with_its_parts(world, scored, client_for) -> None:
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/index/").content.decode()
    assert "Program: 63/100" in html
    assert '<span class="badge red">not plus-sum</span>' in html
    ranks = re.findall(
        r'<tr><td>(\d)</td><th scope="row"><a[^>]*>([^<]+)</a></th>\s*<td><strong>(\d+)</strong>', html
    )
    assert ranks == [("1", "Nursing", "68"), ("2", "EHR vendor", "59")]
    assert (
        '<th scope="row">Latest ADKAR readiness</th><td>A4 D2 K4 A4 R4</td><td>65</td><td>20</td>'
        "<td>13.0</td>"
    ) in html
    assert "Its weight is shared among the other parts." in html
    assert "Weights: endorsement 30, delivery 25, readiness 20, impact 15, red_flags 10." in html


def test_weights_saved_on_the_weights_page_show_on_the_index(world, scored, client_for) -> None:
    client = client_for("program_manager")
    response = client.post(
        f"/programs/{world.program.pk}/alignment/index/weights/",
        {"endorsement": 0, "delivery": 0, "readiness": 0, "impact": 100, "red_flags": 0},
    )
    assert response.status_code == 302
    html = client.get(f"/programs/{world.program.pk}/alignment/index/").content.decode()
    assert "Weights: endorsement 0, delivery 0, readiness 0, impact 100, red_flags 0." in html
    assert "Program: 58/100" in html  # only the impact part counts: the mean of 16.7 and 100


def test_the_group_page_explains_its_own_score(world, scored, client_for) -> None:
    html = client_for("member").get(scored["nursing"].get_absolute_url()).content.decode()
    assert "Why the alignment score is 68" in html
    assert "<dd>68/100</dd>" in html


def test_a_plus_sum_program_says_so_on_the_index(world, client_for) -> None:
    from tests.alignment.builders import add_impact

    add_impact(world, make_group(world, "Nursing"), 1, "Mobile flowsheets")
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/index/").content.decode()
    assert '<span class="badge green">plus-sum</span>' in html
    assert "No strategy version published yet." in html


def test_a_red_flag_raised_against_a_group_counts_in_its_score(world, scored) -> None:
    from accord.governance import services as governance

    governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title="Scanners missing on ward 4",
        description="Nurses skip scanning.",
        threatens_group=scored["nursing"],
        now=T0,
    )
    result = queries.compute_alignment(program=world.program, today=TODAY, audience="internal")
    score, _inputs = _by_name(result)["Nursing"]
    assert _parts(score)["red_flags"][:2] == ("1 open", 75.0)


def test_a_partner_sees_no_count_of_internal_flags_on_a_shared_group(
    world, scored, client_for, api_for
) -> None:
    from accord.governance import services as governance

    governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title="Vendor staffing gap",
        description="Internal view of the vendor's staffing.",
        visibility="internal",
        threatens_group=scored["vendor"],
        now=T0,
    )
    governance.raise_red_flag(
        program=world.program,
        actor=world.member,
        title="Shared interface backlog",
        description="Both sides know.",
        visibility="shared",
        threatens_group=scored["vendor"],
        now=T0,
    )
    hospital = _by_name(queries.compute_alignment(program=world.program, today=TODAY, audience="internal"))
    partner = _by_name(queries.compute_alignment(program=world.program, today=TODAY, audience="shared"))
    assert _parts(hospital["EHR vendor"][0])["red_flags"][0] == "2 open"
    assert _parts(partner["EHR vendor"][0])["red_flags"][0] == "1 open"
    body = api_for("vendor").get(f"/api/alignment/?program={world.program.pk}").json()
    vendor_group = next(g for g in body["groups"] if g["name"] == "EHR vendor")
    assert next(p for p in vendor_group["parts"] if p["name"] == "red_flags")["raw"] == "1 open"
    html = client_for("vendor").get(f"/programs/{world.program.pk}/alignment/index/").content.decode()
    assert "2 open" not in html and "1 open" in html
