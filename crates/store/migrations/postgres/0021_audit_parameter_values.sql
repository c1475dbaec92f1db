-- The admin audit log keeps each record's parameters as values (format 2: a JSON array of
-- {"name", "kind", "value"}, a secret as its kind alone), no longer as PowerShell text (format 1).
-- The records written before stay as they were, in format 1, and still verify: a record's link
-- is made over the encoding of its own format. migrations/sqlite/0021_audit_parameter_values.sql
-- is the same for SQLite.
ALTER TABLE audit_log ADD COLUMN parameters_format BIGINT NOT NULL DEFAULT 1
    CONSTRAINT audit_log_parameters_format CHECK (parameters_format IN (1, 2));
