"""The event store's tables: events, polled readings, markers, and the full-text index."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    envelope_id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    patient_id INTEGER,
    occurred_ts REAL NOT NULL,
    received_ts REAL NOT NULL,
    relay_seq INTEGER,
    source TEXT NOT NULL,
    envelope TEXT NOT NULL,
    headers TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, occurred_ts);
CREATE INDEX IF NOT EXISTS events_patient_time ON events (patient_id, occurred_ts);
CREATE INDEX IF NOT EXISTS events_time ON events (occurred_ts);
CREATE INDEX IF NOT EXISTS events_received ON events (received_ts);
CREATE INDEX IF NOT EXISTS events_type_received ON events (type, received_ts);
CREATE INDEX IF NOT EXISTS events_search_keys
    ON events (envelope_id, received_ts, type, patient_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS polled_readings (
    kind TEXT NOT NULL,
    reading_id INTEGER NOT NULL,
    patient_id INTEGER,
    occurred_ts REAL NOT NULL,
    reading TEXT NOT NULL,
    PRIMARY KEY (kind, reading_id)
);
CREATE INDEX IF NOT EXISTS polled_patient_time ON polled_readings (patient_id, occurred_ts);
CREATE TABLE IF NOT EXISTS markers (
    id INTEGER PRIMARY KEY,
    received_ts REAL NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS markers_received ON markers (received_ts);
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
    patient, body, content='', prefix='2 3', tokenize='unicode61 remove_diacritics 2'
);
"""
"""``events_fts`` is contentless (the text is in ``events`` already): an entry is removed by
giving its values again (``records.search_fields``). Which events it covers is in ``meta``
(``fts_upto``: every id up to it; ``fts_ready``: all of them)."""
