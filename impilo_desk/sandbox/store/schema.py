"""The sandbox's tables and indexes.

Times are integer epoch milliseconds (UTC). The log table is kept narrow (the payload text lives
in ``events``) and has one index per log filter. Each starts with its filter column, then
``create_ms`` (so a filtered page comes out already "newest first"), then every other filter
column, so that a page's ids and the ``total`` are found from the index alone, never the table.

``log_counts`` keeps, per hour of ``create_ms``, webhook type, status and retries, how many log
rows there are (kept exact by triggers), so that the ``total`` of a page over a million rows is
a sum over a few thousand counters plus an exact count of the partial hours at the edges.
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
CREATE INDEX IF NOT EXISTS logs_by_create
    ON logs (create_ms, id, webhook_type, last_status, retry_attempts, last_retry_ms);
CREATE INDEX IF NOT EXISTS logs_by_type
    ON logs (webhook_type, create_ms, id, last_status, retry_attempts, last_retry_ms);
CREATE INDEX IF NOT EXISTS logs_by_status
    ON logs (last_status, create_ms, id, webhook_type, retry_attempts, last_retry_ms);
CREATE INDEX IF NOT EXISTS logs_by_retries
    ON logs (retry_attempts, create_ms, id, webhook_type, last_status, last_retry_ms);
CREATE INDEX IF NOT EXISTS logs_by_last_retry
    ON logs (last_retry_ms, create_ms, id, webhook_type, last_status, retry_attempts);
CREATE INDEX IF NOT EXISTS logs_due ON logs (next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS log_counts (
    hour INTEGER NOT NULL,
    webhook_type TEXT NOT NULL,
    status_key INTEGER NOT NULL,
    retry_attempts INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, webhook_type, status_key, retry_attempts)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS logs_count_insert AFTER INSERT ON logs BEGIN
    INSERT INTO log_counts VALUES (
        NEW.create_ms / 3600000, NEW.webhook_type, IFNULL(NEW.last_status, -1),
        NEW.retry_attempts, 1)
    ON CONFLICT (hour, webhook_type, status_key, retry_attempts) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS logs_count_update AFTER UPDATE OF last_status, retry_attempts ON logs
WHEN OLD.last_status IS NOT NEW.last_status OR OLD.retry_attempts != NEW.retry_attempts BEGIN
    UPDATE log_counts SET n = n - 1 WHERE hour = OLD.create_ms / 3600000
        AND webhook_type = OLD.webhook_type AND status_key = IFNULL(OLD.last_status, -1)
        AND retry_attempts = OLD.retry_attempts;
    INSERT INTO log_counts VALUES (
        NEW.create_ms / 3600000, NEW.webhook_type, IFNULL(NEW.last_status, -1),
        NEW.retry_attempts, 1)
    ON CONFLICT (hour, webhook_type, status_key, retry_attempts) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS logs_count_delete AFTER DELETE ON logs BEGIN
    UPDATE log_counts SET n = n - 1 WHERE hour = OLD.create_ms / 3600000
        AND webhook_type = OLD.webhook_type AND status_key = IFNULL(OLD.last_status, -1)
        AND retry_attempts = OLD.retry_attempts;
END;
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
