-- Over-the-air deployment (issue 7). Numbered from 100 so these never collide with the registry's
-- migrations. Portable across H2 2.x and PostgreSQL; times are epoch milliseconds. States are
-- stored by name (never by ordinal), so enums can grow without renumbering stored rows.

-- Models stored content-addressed: id = sha256 of the ONNX bytes; the artifact (zstd bundle of
-- model + eval shard) is stored under its own sha256.
CREATE TABLE ota_models (
    id               VARCHAR(64)    NOT NULL PRIMARY KEY,
    name             VARCHAR(256)   NOT NULL,
    model_bytes      BIGINT         NOT NULL,
    artifact_sha256  VARCHAR(64)    NOT NULL,
    artifact_bytes   BIGINT         NOT NULL,
    eval_samples     INTEGER        NOT NULL,
    source           VARCHAR(64)    NOT NULL,
    metadata_json    VARCHAR(100000) NOT NULL,
    created_ms       BIGINT         NOT NULL
);

-- One rollout = one signed deployment manifest sent to its targets in waves.
CREATE TABLE ota_rollouts (
    id               VARCHAR(64)    NOT NULL PRIMARY KEY,
    model_id         VARCHAR(64)    NOT NULL,
    state            VARCHAR(16)    NOT NULL,
    reason           VARCHAR(2000)  NOT NULL,
    targets          VARCHAR(8000)  NOT NULL,
    waves            VARCHAR(256)   NOT NULL,
    current_wave     INTEGER        NOT NULL,
    success_pct      DOUBLE PRECISION NOT NULL,
    error_pct        DOUBLE PRECISION NOT NULL,
    max_p95_ms       DOUBLE PRECISION NOT NULL,
    min_accuracy     DOUBLE PRECISION NOT NULL,
    errors_accepted  INTEGER        NOT NULL,
    resumed_ms       BIGINT         NOT NULL,
    signed_manifest  VARCHAR(1000000) NOT NULL,
    created_ms       BIGINT         NOT NULL,
    updated_ms       BIGINT         NOT NULL
);

CREATE INDEX ota_rollouts_state ON ota_rollouts (state);

-- Each target device of a rollout and its last reported deployment status.
CREATE TABLE ota_rollout_devices (
    rollout_id       VARCHAR(64)    NOT NULL,
    device_id        VARCHAR(64)    NOT NULL,
    wave             INTEGER        NOT NULL,
    state            VARCHAR(16)    NOT NULL,
    progress_pct     INTEGER        NOT NULL,
    code             VARCHAR(64)    NOT NULL,
    detail           VARCHAR(2000)  NOT NULL,
    p95_ms           DOUBLE PRECISION NOT NULL,
    accuracy         DOUBLE PRECISION NOT NULL,
    active_model_id  VARCHAR(64)    NOT NULL,
    status_seq       BIGINT         NOT NULL,
    sent_ms          BIGINT         NOT NULL,
    updated_ms       BIGINT         NOT NULL,
    PRIMARY KEY (rollout_id, device_id)
);
