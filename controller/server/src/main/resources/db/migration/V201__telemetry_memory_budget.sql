-- Under --emulate the agent sends the memory budget of the device it runs as (its RAM minus the OS
-- reserve); a sample whose process RSS exceeds it is an emulation violation. NULL when not emulated.
ALTER TABLE telemetry_samples ADD COLUMN memory_budget_bytes BIGINT;
