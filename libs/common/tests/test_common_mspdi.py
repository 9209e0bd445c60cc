"""Reading Microsoft Project XML (MSPDI): the sample files of `tests/data` (as Project desktop saves
them, and hostile ones) and files the tests write in every shape Project saves."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as StdET
from datetime import date, datetime
from decimal import Decimal

import pytest
from pmo_common import mspdi
from pmo_common.testing.mspdi_files import AssignmentSpec, ResourceSpec, TaskSpec, mspdi_file, sample

NS = {"p": mspdi.NAMESPACE}


@pytest.fixture(scope="module")
def office_move() -> mspdi.MspdiProject:
    return mspdi.parse(sample("office_move.xml"))


def test_the_project_fields_are_read_from_the_file(office_move: mspdi.MspdiProject) -> None:
    assert office_move.guid == "8C7B1E5A-3F2D-4A6B-9C1E-2D3F4A5B6C7D"
    assert office_move.guid_in_file
    assert office_move.name == "Office Move 2027"  # the Title, not the file name
    assert (office_move.start.isoformat(), office_move.finish.isoformat()) == (  # type: ignore[union-attr]
        "2027-01-04T08:00:00",
        "2027-03-26T17:00:00",
    )
    assert office_move.currency == "EUR"
    assert office_move.minutes_per_week == 2400
    assert [t.uid for t in office_move.leaf_tasks] == [2, 3, 5, 6, 7, 8]


def test_costs_are_hundredths_of_the_currency_unit_read_independently(
    office_move: mspdi.MspdiProject,
) -> None:
    """Cross-check against the XML read with the standard library (the sample has no DTD)."""
    root = StdET.fromstring(sample("office_move.xml"))
    tasks = root.findall("p:Tasks/p:Task", NS)
    summary_cost = Decimal(tasks[0].findtext("p:Cost", namespaces=NS) or "")
    leaves = [t for t in tasks if t.findtext("p:Summary", namespaces=NS) == "0"]
    leaf_sum = sum(Decimal(t.findtext("p:Cost", namespaces=NS) or "0") for t in leaves)
    terms = mspdi.plan_terms(office_move)
    assert terms.budget == summary_cost / 100 == leaf_sum / 100 == Decimal("53650.00")
    assert {t.uid: t.cost for t in office_move.tasks}[6] == Decimal("12000.00")


def test_the_cost_profile_spreads_leaf_costs_by_day_and_sums_to_the_budget(
    office_move: mspdi.MspdiProject,
) -> None:
    # Jan: 7600 + 7200 + 10850 × 7/19; Feb: 10850 × 12/19 + 12000 + 16000 × 7/33; Mar: 16000 × 26/33;
    # in cents 1879736.84, 2224657.10, 1260606.06: the one cent left over goes to January (.84).
    terms = mspdi.plan_terms(office_move)
    assert terms.cost_profile == [
        ("2027-01", Decimal("18797.37")),
        ("2027-02", Decimal("22246.57")),
        ("2027-03", Decimal("12606.06")),
    ]
    assert sum(amount for _m, amount in terms.cost_profile) == terms.budget
    assert (terms.start, terms.finish) == (date(2027, 1, 4), date(2027, 3, 26))


def test_the_baseline_is_the_summary_tasks_baseline_0(office_move: mspdi.MspdiProject) -> None:
    # Baseline 1 of task 5 (another baseline) is ignored; tasks 5 and 7 were re-planned since.
    baseline = mspdi.baseline_terms(office_move)
    assert baseline is not None
    assert (baseline.budget, baseline.start, baseline.finish) == (
        Decimal("50000.00"),
        date(2027, 1, 4),
        date(2027, 3, 19),
    )
    assert baseline.cost_profile == [
        ("2027-01", Decimal("18336.84")),
        ("2027-02", Decimal("21724.70")),
        ("2027-03", Decimal("9938.46")),
    ]


def test_only_work_resources_are_people(office_move: mspdi.MspdiProject) -> None:
    people = office_move.work_resources
    assert [(r.uid, r.name, r.group, r.email) for r in people] == [
        (1, "Ada Lovelace", "Business analyst", "ada@example.com"),
        (2, "Ben Okafor", "Logistics", "ben@example.com"),
        (3, "Chloé Dubois", "IT", None),
    ]
    assert [r.guid for r in people] == [
        "D1E2F3A4-B5C6-4D7E-8F90-A1B2C3D4E5F6",
        "E2F3A4B5-C6D7-4E8F-9012-B3C4D5E6F7A8",
        None,
    ]
    assert {r.uid: r.type for r in office_move.resources} == {
        1: 1,
        2: 1,
        3: 1,
        4: 0,
        5: 2,
    }  # blank UID 0 left out


def test_assignments_become_hours_per_month(office_move: mspdi.MspdiProject) -> None:
    hours = {
        (a.assignment_uid, a.resource.name if a.resource else None): a.hours
        for a in mspdi.assigned_hours(office_move)
    }
    # Material (5) and cost (3) resources, and the milestone's empty assignment (8), are left out.
    assert hours == {
        (1, "Ada Lovelace"): {"2027-01": Decimal("80.00")},
        (2, "Ben Okafor"): {"2027-01": Decimal("40.00")},
        (4, "Ben Okafor"): {"2027-01": Decimal("44.21"), "2027-02": Decimal("75.79")},
        (6, None): {"2027-02": Decimal("40.00")},  # ResourceUID -65535: nobody yet
        (7, "Chloé Dubois"): {"2027-02": Decimal("33.94"), "2027-03": Decimal("126.06")},
    }


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("billion_laughs.xml", "billion-laughs"),
        ("external_entity.xml", "'secret' -> 'file:///etc/passwd': XXE"),
    ],
)
def test_hostile_files_are_refused_before_anything_is_expanded(name: str, says: str) -> None:
    with pytest.raises(mspdi.UnsafeXml, match="document type") as refused:
        mspdi.parse(sample(name))
    assert says in str(refused.value)
    assert "root:" not in str(refused.value)  # nothing of /etc/passwd was read


def test_an_external_dtd_is_refused_and_named() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE Project SYSTEM "http://attacker.example/x.dtd"><Project/>'
    with pytest.raises(mspdi.UnsafeXml, match=re.escape("http://attacker.example/x.dtd")):
        mspdi.parse(xml)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (
            b"%PDF-1.7 not xml at all",
            "not well-formed XML (line 1, column 9: not well-formed (invalid token))",
        ),
        (sample("office_move.xml")[:5000], "not well-formed XML"),
        (b"<Workbook xmlns='urn:schemas-microsoft-com:office:spreadsheet'/>", "not a Microsoft Project file"),
        (
            b"<Project xmlns='http://schemas.microsoft.com/project'><Tasks/></Project>",
            "no project summary task",
        ),
    ],
)
def test_files_that_are_not_usable_mspdi_say_why(body: bytes, says: str) -> None:
    with pytest.raises(mspdi.MspdiError, match=re.escape(says)):
        mspdi.parse(body)


BUILD = TaskSpec(1, "Build", "2027-01-04", "2027-02-26", cost="12000.00")


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (b"<Cost>1200000</Cost>", b"<Cost>12,000</Cost>", "Cost of task UID 1 is '12,000'"),
        (b"<Cost>1200000</Cost>", b"<Cost>-5</Cost>", "not a number of 0 or more"),
        (b"<Cost>1200000</Cost>", b"<Cost>NaN</Cost>", "'NaN'"),
        (b"<Cost>1200000</Cost>", b"<Cost>1e400</Cost>", "'1e400'"),
        (b"<Work>PT40H0M0S</Work>", b"<Work>P1M</Work>", "Work of assignment UID 1 is 'P1M'"),
        (
            b"<UID>1</UID><ID>1</ID><Name>Build",
            b"<UID>one</UID><ID>1</ID><Name>Build",
            "UID of a task is 'one'",
        ),
        (b"2027-02-26T17:00:00</Finish>", b"26/02/2027</Finish>", "not a date-time"),
    ],
)
def test_bad_numbers_name_the_element_and_its_owner(old: bytes, new: bytes, says: str) -> None:
    xml = mspdi_file(
        tasks=[BUILD],
        budget="15000.00",
        resources=[ResourceSpec(1, "Ada")],
        assignments=[AssignmentSpec(1, 1, 1, "40")],
    )
    assert old in xml
    with pytest.raises(mspdi.MspdiError, match=says):
        mspdi.parse(xml.replace(old, new, 1))


def test_without_a_guid_the_project_is_known_by_the_digest_of_name_and_creation_date() -> None:
    project = mspdi.parse(
        mspdi_file(tasks=[BUILD], guid=None, name="Plan.xml", creation_date="2026-11-02T09:00:00")
    )
    assert not project.guid_in_file
    assert project.guid == hashlib.sha256(b"Plan.xml2026-11-02T09:00:00").hexdigest().upper()


def test_a_file_without_namespace_is_read_the_same() -> None:
    with_ns = mspdi.plan_terms(mspdi.parse(mspdi_file(tasks=[BUILD])))
    without = mspdi.plan_terms(mspdi.parse(mspdi_file(tasks=[BUILD], namespace=False)))
    assert with_ns == without


def test_a_plan_never_baselined_has_no_baseline() -> None:
    assert mspdi.baseline_terms(mspdi.parse(mspdi_file(tasks=[BUILD]))) is None


def test_a_budget_without_task_costs_is_spread_linearly_by_day() -> None:
    # 31 days of January and 28 of February: 1000.00 × 31/59 and × 28/59 (525.42 + 474.58).
    plan = mspdi_file(tasks=[TaskSpec(1, "Work", "2027-01-01", "2027-02-28")], budget="1000.00")
    terms = mspdi.plan_terms(mspdi.parse(plan))
    assert terms.cost_profile == [("2027-01", Decimal("525.42")), ("2027-02", Decimal("474.58"))]


def test_a_summary_fixed_cost_scales_the_profile_to_the_budget() -> None:
    # Tasks cost 300 in January and 100 in February; the summary's own fixed cost makes it 1000.
    tasks = [
        TaskSpec(1, "A", "2027-01-04", "2027-01-29", cost="300.00"),
        TaskSpec(2, "B", "2027-02-01", "2027-02-26", cost="100.00"),
    ]
    terms = mspdi.plan_terms(mspdi.parse(mspdi_file(tasks=tasks, budget="1000.00")))
    assert terms.cost_profile == [("2027-01", Decimal("750.00")), ("2027-02", Decimal("250.00"))]


def test_timephased_data_calendars_milestones_and_idle_resources_change_nothing() -> None:
    tasks = [BUILD, TaskSpec(2, "Done", "2027-02-26T17:00:00", "2027-02-26T17:00:00", milestone=True)]
    plain = mspdi_file(
        tasks=tasks, resources=[ResourceSpec(1, "Ada")], assignments=[AssignmentSpec(1, 1, 1, "320")]
    )
    richer = mspdi_file(
        tasks=tasks,
        resources=[
            ResourceSpec(1, "Ada"),
            ResourceSpec(2, "Idle Ivo", guid="AB-1"),
            ResourceSpec(3, "Crane", type=0),
        ],
        assignments=[
            AssignmentSpec(1, 1, 1, "320", timephased=[("2027-01-04", "2027-01-09", "40")]),
            AssignmentSpec(2, 2, -65535, "0"),
        ],
    )
    a, b = mspdi.parse(plain), mspdi.parse(richer)
    assert mspdi.plan_terms(a) == mspdi.plan_terms(b)
    assert [x.hours for x in mspdi.assigned_hours(a)] == [x.hours for x in mspdi.assigned_hours(b)]
    assert [r.name for r in b.work_resources] == ["Ada", "Idle Ivo"]


def test_an_inactive_task_counts_neither_cost_nor_hours() -> None:
    dropped = TaskSpec(2, "Dropped", "2027-03-01", "2027-03-31", cost="5000.00", active=False)
    plan = mspdi_file(
        tasks=[BUILD, dropped],
        resources=[ResourceSpec(1, "Ada")],
        assignments=[AssignmentSpec(1, 1, 1, "40"), AssignmentSpec(2, 2, 1, "80")],
    )
    project = mspdi.parse(plan)
    assert [m for m, _a in mspdi.plan_terms(project).cost_profile] == ["2027-01", "2027-02"]
    assert [a.assignment_uid for a in mspdi.assigned_hours(project)] == [1]


def test_work_durations_in_hours_minutes_and_seconds() -> None:
    plan = mspdi_file(
        tasks=[BUILD], resources=[ResourceSpec(1, "Ada")], assignments=[AssignmentSpec(1, 1, 1, "7.5")]
    )
    project = mspdi.parse(plan)
    assert project.assignments[0].work_hours == Decimal("7.5")
    assert b"<Work>PT7H30M0S</Work>" in plan


def test_a_task_outside_the_project_dates_is_named() -> None:
    plan = mspdi_file(tasks=[BUILD], start="2027-01-04", finish="2027-01-31")
    with pytest.raises(mspdi.MspdiError, match=r"Task UID 1 \('Build'\) runs 2027-01-04..2027-02-26"):
        mspdi.plan_terms(mspdi.parse(plan))


def test_a_finish_at_midnight_ends_the_day_before() -> None:
    assert mspdi.day_span(date(2027, 1, 4), date(2027, 1, 8)) == (date(2027, 1, 4), date(2027, 1, 8))
    assert mspdi.day_span(datetime(2027, 1, 4, 8), datetime(2027, 2, 1)) == (
        date(2027, 1, 4),
        date(2027, 1, 31),
    )
