"""The redelivery record on a real SQLite file: recovery on open, queries, the Logs tab's words."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from impilo_desk.services.redelivery import AttemptStore, Delivery, Outcome, RunState

T0 = datetime(2026, 11, 2, 10, 32, tzinfo=UTC)


def delivery(log_id: int) -> Delivery:
    return Delivery(log_id + 100, "reading.weight", "{}", "http://127.0.0.1:9/h", "log", log_id)


def start(store: AttemptStore, run_id: str, at: datetime = T0, planned: int = 1) -> None:
    store.start_run(
        run_id,
        profile_id="p-1",
        profile_name="Staging",
        origin="logs",
        planned=planned,
        targets=["http://127.0.0.1:9/h"],
        started_at=at,
    )


def finish(store: AttemptStore, attempt_id: int, status: int | None, error: str | None = None):
    outcome = Outcome.DELIVERED if status == 200 else Outcome.FAILED
    store.finish_attempt(
        attempt_id, outcome=outcome, status=status, latency_ms=3.0, error=error, finished_at=T0
    )


def test_a_sending_row_left_behind_is_unknown_after_a_restart(tmp_path: Path) -> None:
    path = AttemptStore.path_for(tmp_path, "p-1")
    store = AttemptStore(path)
    start(store, "closed", planned=2)
    finish(store, store.begin_attempt("closed", delivery(1), T0), 200)
    store.begin_attempt("closed", delivery(2), T0)  # its start was written as the task ended
    store.end_run("closed", RunState.CANCELLED, T0)
    start(store, "crashed", T0 + timedelta(minutes=1))
    store.begin_attempt("crashed", delivery(3), T0)
    store.close()
    reopened = AttemptStore(path)
    try:
        assert reopened.recovered == ["crashed"]
        outcomes = {
            a.log_id: a.outcome for r in ("closed", "crashed") for a in reopened.attempts(r)
        }
        assert outcomes == {1: Outcome.DELIVERED, 2: Outcome.UNKNOWN, 3: Outcome.UNKNOWN}
        states = {r.run_id: r.state for r in reopened.runs()}
        assert states == {"closed": RunState.CANCELLED, "crashed": RunState.INTERRUPTED}
    finally:
        reopened.close()


def test_latest_attempt_per_row_and_the_history_newest_first(tmp_path: Path) -> None:
    store = AttemptStore(AttemptStore.path_for(tmp_path, "p-1"))
    try:
        for n in range(3):
            run = f"run{n}"
            start(store, run, T0 + timedelta(minutes=n), planned=700)
            for log_id in range(700):  # more rows than one SQLite statement takes
                status = 200 if n == 2 and log_id % 2 else 500
                error = None if status == 200 else "127.0.0.1:9 answered 500."
                finish(store, store.begin_attempt(run, delivery(log_id), T0), status, error)
            store.end_run(run, RunState.COMPLETED, T0 + timedelta(minutes=n))
        latest = store.latest_for_logs(range(-5, 700))
        assert sorted(latest) == list(range(700))
        assert {a.run_id for a in latest.values()} == {"run2"}
        assert latest[1].status == 200
        assert latest[2].status == 500
        assert latest[2].error == "127.0.0.1:9 answered 500."
        history = store.runs(limit=2)
        assert [r.run_id for r in history] == ["run2", "run1"]
        assert (history[0].delivered, history[0].failed, history[0].attempted) == (350, 350, 700)
        assert history[0].targets == ("http://127.0.0.1:9/h",)
        assert history[0].profile_name == "Staging"
    finally:
        store.close()


def test_what_the_logs_tab_shows_beside_impilos_state(tmp_path: Path) -> None:
    store = AttemptStore(AttemptStore.path_for(tmp_path, "p-1"))
    try:
        start(store, "r")
        ok, failed, none, _sending = (store.begin_attempt("r", delivery(i), T0) for i in range(4))
        finish(store, ok, 200)
        finish(store, failed, 503, "127.0.0.1:9 answered 503.")
        finish(store, none, None, "127.0.0.1:9 refused the connection; is the receiver running?")
        words = {a.log_id: a.describe(UTC) for a in store.attempts("r")}
    finally:
        store.close()
    assert words == {
        0: "resent 10:32, 200",
        1: "resent 10:32, 503",
        2: "resent 10:32, no answer",
        3: "resending since 10:32",
    }
