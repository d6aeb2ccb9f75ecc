"""The Logs tab against a sandbox that ignores the ``lastResponseStatus`` filter (issue 13): the
rows are checked against the filters sent, the tab says so, and offers to hide them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fixtures.sandbox import SandboxProcess
from tests.ui.like_production_support import LIKE_PRODUCTION
from tests.ui.logs_support import close_tab, open_tab, seed_db

IGNORED = "Impilo ignored the last response status filter; 3 rows shown that don't match."
HIDDEN = "Impilo ignored the last response status filter; 3 rows that don't match are hidden."


def test_an_ignored_filter_is_flagged_and_its_rows_can_be_hidden(qtbot, make_desk, tmp_path):
    start = datetime.now(UTC) - timedelta(hours=1)
    statuses = [200, 503, 200, 503, 200]
    seed_db(
        tmp_path / "sandbox.db",
        [
            {"type": "reading.weight", "status": status, "retries": 3,
             "created": start + timedelta(minutes=n), "last_retry": start}
            for n, status in enumerate(statuses)
        ],
    )  # fmt: skip
    with SandboxProcess(db_path=tmp_path / "sandbox.db", extra_args=LIKE_PRODUCTION) as box:
        logs_tab = open_tab(qtbot, make_desk, box)
        try:
            view, controller = logs_tab.view, logs_tab.controller
            assert logs_tab.model.rowCount() == 5
            assert not view.banner.isVisible()  # no filter yet: nothing to check
            with qtbot.waitSignal(controller.loaded, timeout=10_000):
                qtbot.keyClicks(view.filters.status_edit, "503")
            assert logs_tab.api.calls[-1].query == {"lastResponseStatus": "503"}  # it was sent
            assert logs_tab.model.rowCount() == 5  # Impilo answered every row anyway
            assert view.banner.text == IGNORED
            assert view.banner.action_button.isVisible()
            assert view.banner.action_button.text() == "Hide them"

            view.banner.action_button.click()
            assert [logs_tab.model.record_at(r).lastResponseStatus for r in range(2)] == [503] * 2
            assert logs_tab.model.rowCount() == 2
            assert view.banner.text == HIDDEN
            assert view.banner.action_button.text() == "Show them"
            view.banner.action_button.click()
            assert logs_tab.model.rowCount() == 5

            with qtbot.waitSignal(controller.loaded, timeout=10_000):
                view.filters.status_edit.clear()
                view.filters.flush()
            assert not view.banner.isVisible()  # the notice goes with the filter
        finally:
            close_tab(qtbot, make_desk, logs_tab)
