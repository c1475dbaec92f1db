-- The admin audit log keeps each record's parameters as values (format 2: a JSON array of
-- {"name", "kind", "value"}, a secret as its kind alone), no longer as PowerShell text (format 1).
-- The records written before stay as they were, in format 1, and still verify: a record's link
-- is made over the encoding of its own format. migrations/postgres/0021_audit_parameter_values.sql
-- is the same for PostgreSQL.
ALTER TABLE audit_log ADD COLUMN parameters_format INTEGER NOT NULL DEFAULT 1
    CHECK (parameters_format IN (1, 2));
