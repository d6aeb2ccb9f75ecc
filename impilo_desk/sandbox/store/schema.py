"""The sandbox's tables and indexes.

Times are integer epoch milliseconds (UTC). The log table is kept narrow (the payload text lives
in ``events``) and has one index per log filter, each ending in ``create_ms`` so that a filtered
page comes out of the index already in "newest first" order.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    url TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_type ON webhooks (type);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    webhook_type TEXT NOT NULL,
    webhook_url TEXT NOT NULL,
    create_ms INTEGER NOT NULL,
    last_status INTEGER,
    retry_attempts INTEGER NOT NULL DEFAULT 0,
    last_retry_ms INTEGER,
    next_attempt_ms INTEGER
);
CREATE INDEX IF NOT EXISTS logs_create ON logs (create_ms);
CREATE INDEX IF NOT EXISTS logs_type ON logs (webhook_type, create_ms);
CREATE INDEX IF NOT EXISTS logs_status ON logs (last_status, create_ms);
CREATE INDEX IF NOT EXISTS logs_retries ON logs (retry_attempts, create_ms);
CREATE INDEX IF NOT EXISTS logs_last_retry ON logs (last_retry_ms, create_ms);
CREATE INDEX IF NOT EXISTS logs_due ON logs (next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS sites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    phone TEXT,
    address TEXT
);
CREATE TABLE IF NOT EXISTS patients (
    id INTEGER PRIMARY KEY,
    external_identifier TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    date_of_birth TEXT,
    email TEXT,
    phone TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
    enrolled INTEGER NOT NULL DEFAULT 1,
    sex TEXT,
    address TEXT,
    site_id INTEGER,
    postal_code TEXT,
    country TEXT,
    tz_offset INTEGER
);
CREATE INDEX IF NOT EXISTS patients_external ON patients (external_identifier);
CREATE INDEX IF NOT EXISTS patients_email ON patients (email);
CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER,
    kind TEXT,
    external_identifier TEXT,
    identifiers TEXT NOT NULL,
    item TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_patient ON devices (patient_id, kind);
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    patient_id INTEGER NOT NULL,
    device_id INTEGER,
    reading_ms INTEGER NOT NULL,
    manual INTEGER,
    device_tz INTEGER,
    value_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS readings_kind_time ON readings (kind, reading_ms);
CREATE INDEX IF NOT EXISTS readings_patient ON readings (kind, patient_id, reading_ms);
"""
