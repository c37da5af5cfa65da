"""Statistics page: counts by type, tier, district, service line and year joined."""

import re
from datetime import date

from alliance.extensions import db
from alliance.members.models import ServiceLine
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import make_unit


def table(html: str, section: str) -> dict[str, int]:
    """Return {key: count} from one section's table."""
    block = html.split(f'id="stats-{section}"', 1)[1].split("</section>", 1)[0]
    return {
        k: int(v)
        for k, v in re.findall(
            r'data-key="([^"]*)"><td>[^<]*</td><td class="text-end">(\d+)', block
        )
    }


def test_counts_active_units(app, client):
    with app.app_context():
        ensure_default_taxonomy()
        lines = {s.code: s for s in db.session.query(ServiceLine)}
        make_unit(
            org_type="enterprise",
            tier="chair",
            district="siming",
            joined_on=date(2012, 8, 10),
            service_lines=[lines["software-development"], lines["training"]],
        )
        make_unit(
            org_type="enterprise",
            tier="member",
            district="siming",
            joined_on=date(2012, 8, 10),
            service_lines=[lines["software-development"]],
        )
        make_unit(org_type="academic", tier="member", district="jimei", joined_on=date(2020, 3, 1))
        make_unit(
            org_type="academic",
            tier="member",
            status="suspended",
            district="jimei",
            joined_on=date(2021, 1, 1),
            service_lines=[lines["training"]],
        )
        db.session.commit()
    response = client.get("/members/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert table(html, "type")["enterprise"] == 2
    assert table(html, "type")["academic"] == 1
    assert table(html, "type")["other"] == 0
    assert table(html, "tier") == {"chair": 1, "vice_chair": 0, "council": 0, "member": 2}
    assert table(html, "district")["siming"] == 2 and table(html, "district")["jimei"] == 1
    assert table(html, "service_line")["software-development"] == 2
    assert table(html, "service_line")["training"] == 1  # the suspended unit is not counted
    assert table(html, "year") == {"2012": 2, "2020": 1}
    assert html.count("<svg") == 5 and "<rect" in html


def test_empty_database(client):
    response = client.get("/members/stats")
    assert response.status_code == 200
