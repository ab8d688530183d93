-- Device tags for rollouts (deploy --to tag:T). Comma-separated, sorted, like the other lists of
-- the devices table: they are matched in the controller, never queried by SQL.
--   declared_tags: what the agent announced in its last birth (replaced at every birth)
--   assigned_tags: set by an operator with PUT /api/devices/{id}/tags (births never touch them)
-- Numbered after the telemetry range (V2xx) so an existing database migrates in order.
ALTER TABLE devices ADD COLUMN declared_tags VARCHAR(4000) DEFAULT '' NOT NULL;
ALTER TABLE devices ADD COLUMN assigned_tags VARCHAR(4000) DEFAULT '' NOT NULL;
