-- Device registry. Portable across H2 2.x and PostgreSQL: plain types only; times are epoch
-- milliseconds (BIGINT) so no time-zone conversion can differ between the two databases.
CREATE TABLE devices (
    id                   VARCHAR(64)   NOT NULL PRIMARY KEY,
    online               BOOLEAN       NOT NULL,
    session_seq          BIGINT        NOT NULL,
    session_ended        BOOLEAN       NOT NULL,
    first_seen_ms        BIGINT        NOT NULL,
    last_seen_ms         BIGINT        NOT NULL,
    online_since_ms      BIGINT,
    offline_since_ms     BIGINT,
    offline_reason       VARCHAR(32),
    heartbeat_interval_s INTEGER       NOT NULL,
    last_heartbeat_seq   BIGINT        NOT NULL,
    cpu_load             DOUBLE PRECISION,
    used_memory_bytes    BIGINT,
    agent_version        VARCHAR(64)   NOT NULL,
    onnxruntime_version  VARCHAR(64)   NOT NULL,
    execution_providers  VARCHAR(512)  NOT NULL,
    cpu_model            VARCHAR(256)  NOT NULL,
    physical_cores       INTEGER       NOT NULL,
    logical_cores        INTEGER       NOT NULL,
    max_frequency_hz     BIGINT        NOT NULL,
    total_memory_bytes   BIGINT        NOT NULL,
    os                   VARCHAR(256)  NOT NULL,
    arch                 VARCHAR(32)   NOT NULL,
    hostname             VARCHAR(256)  NOT NULL,
    board_model          VARCHAR(256)  NOT NULL,
    cpu_features         VARCHAR(8000) NOT NULL,
    device_profile_id    VARCHAR(64)   NOT NULL,
    device_profile_name  VARCHAR(256)  NOT NULL
);

CREATE INDEX devices_online ON devices (online);
