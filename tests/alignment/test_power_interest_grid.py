"""Mendelow's power/interest grid: where each group falls (3 counts as high on both axes) and the way of
engaging it that the grid page and the group's page show."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from accord.alignment import engine
from accord.alignment.engine import Quadrant
from tests.alignment.builders import make_group


@pytest.mark.parametrize(
    ("power", "interest", "expected"),
    [
        (1, 1, Quadrant.MONITOR),
        (2, 2, Quadrant.MONITOR),
        (2, 3, Quadrant.KEEP_INFORMED),
        (1, 5, Quadrant.KEEP_INFORMED),
        (3, 2, Quadrant.KEEP_SATISFIED),
        (5, 1, Quadrant.KEEP_SATISFIED),
        (3, 3, Quadrant.MANAGE_CLOSELY),
        (5, 5, Quadrant.MANAGE_CLOSELY),
    ],
)
def test_a_score_of_three_counts_as_high_on_either_axis(power, interest, expected) -> None:
    assert engine.quadrant(power, interest) == expected


@pytest.mark.parametrize(("power", "interest"), [(0, 3), (3, 0), (6, 3), (3, 6)])
def test_power_and_interest_outside_one_to_five_have_no_quadrant(power, interest) -> None:
    with pytest.raises(ValueError, match="between 1 and 5"):
        engine.quadrant(power, interest)


def test_a_group_cannot_be_stored_with_power_above_five(world) -> None:
    with pytest.raises(ValidationError) as error:
        make_group(world, "Radiology", power=6, interest=3)
    assert "power" in error.value.message_dict


def _quadrant_section(html: str, quadrant: Quadrant) -> str:
    match = re.search(rf'<section class="card quadrant quadrant-{quadrant.value}".*?</section>', html, re.S)
    assert match, f"no section for {quadrant}"
    return match.group(0)


def test_the_grid_page_puts_each_group_in_its_quadrant_with_the_approach_it_calls_for(
    world, client_for
) -> None:
    make_group(world, "Executive team", power=5, interest=3)
    make_group(world, "Revenue cycle", power=3, interest=2)
    make_group(world, "Laboratory", power=2, interest=3)
    make_group(world, "Patients' council", power=2, interest=2)
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/grid/").content.decode()
    placed = {
        Quadrant.MANAGE_CLOSELY: "Executive team",
        Quadrant.KEEP_SATISFIED: "Revenue cycle",
        Quadrant.KEEP_INFORMED: "Laboratory",
        Quadrant.MONITOR: "Patients&#x27; council",
    }
    for quadrant, name in placed.items():
        section = _quadrant_section(html, quadrant)
        assert quadrant.label in section
        assert quadrant.approach.split(":")[0] in section
        assert name in section
        for other in set(placed.values()) - {name}:
            assert other not in section
    assert "3 or more counts as high" in html


def test_an_empty_quadrant_says_so(world, client_for) -> None:
    make_group(world, "Executive team", power=5, interest=5)
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/grid/").content.decode()
    assert "No group here." in _quadrant_section(html, Quadrant.MONITOR)
    assert "No group here." not in _quadrant_section(html, Quadrant.MANAGE_CLOSELY)


def test_the_group_page_names_its_quadrant_and_engagement_approach(world, client_for) -> None:
    group = make_group(world, "Laboratory", power=2, interest=4)
    html = client_for("member").get(group.get_absolute_url()).content.decode()
    assert "2 / 4 · Keep informed" in html
    assert "Engagement: Interested but with little power" in html


def test_the_quadrant_follows_a_change_of_power(world, client_for, api_for) -> None:
    from accord.core.services import update_record

    group = make_group(world, "Laboratory", power=2, interest=4)
    update_record(instance=group, actor=world.program_manager, data={"power": 3})
    html = client_for("member").get(f"/programs/{world.program.pk}/alignment/").content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>Laboratory</a>.*?</tr>", html, re.S).group(0)
    assert "Manage closely" in row
    body = api_for("member").get(f"/api/stakeholder-groups/{group.pk}/").json()
    assert body["quadrant"] == "manage_closely"
