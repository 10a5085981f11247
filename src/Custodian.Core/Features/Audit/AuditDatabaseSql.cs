namespace Custodian.Core.Features.Audit;

/// <summary>
/// Engine SQL that the EF model cannot express: triggers that make the audit tables append-only (style.md §4.6). Used by
/// the SQL-only migration <c>AuditAppendOnly</c> in each migrations assembly, kept here so that regenerating the model
/// migrations never loses it. This stops application bugs and casual edits, not an attacker with owner rights (who can
/// drop a trigger): that is what the Merkle tree and the exported checkpoints are for (security.md §2.2).
/// </summary>
internal static class AuditDatabaseSql
{
    public const string SqliteAppendOnlyUp = """
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
        CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
        CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END;
        """;

    public const string SqliteAppendOnlyDown = """
        DROP TRIGGER IF EXISTS audit_events_no_update;
        DROP TRIGGER IF EXISTS audit_events_no_delete;
        DROP TRIGGER IF EXISTS audit_checkpoints_no_update;
        DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;
        DROP TRIGGER IF EXISTS audit_head_no_delete;
        """;

    /// <summary>Row triggers refuse UPDATE and DELETE, statement triggers refuse TRUNCATE (which skips row triggers).</summary>
    public const string PostgresAppendOnlyUp = """
        CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;
        CREATE TRIGGER audit_events_no_mutation BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_checkpoints_no_mutation BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
        """;

    public const string PostgresAppendOnlyDown = """
        DROP TRIGGER IF EXISTS audit_events_no_mutation ON audit_events;
        DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
        DROP TRIGGER IF EXISTS audit_checkpoints_no_mutation ON audit_checkpoints;
        DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints;
        DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head;
        DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head;
        DROP FUNCTION IF EXISTS audit_append_only();
        """;

    /// <summary>One event's object rows from its canonical objects JSON; parameters {0} = seq, {1} = objects JSON.</summary>
    public const string SqliteInsertObjects = """
        INSERT INTO audit_event_objects (type, id, seq)
        SELECT DISTINCT json_extract(value, '$.type'), json_extract(value, '$.id'), {0} FROM json_each({1})
        """;

    public const string PostgresInsertObjects = """
        INSERT INTO audit_event_objects (type, id, seq)
        SELECT DISTINCT o->>'type', o->>'id', {0} FROM jsonb_array_elements(CAST({1} AS jsonb)) AS o
        """;

    /// <summary>Fills <c>audit_event_objects</c> for the events appended before it existed, and makes it append-only.</summary>
    public const string SqliteEventObjectsUp = """
        INSERT INTO audit_event_objects (type, id, seq)
        SELECT DISTINCT json_extract(o.value, '$.type'), json_extract(o.value, '$.id'), e.seq FROM audit_events AS e, json_each(e.objects) AS o;
        CREATE TRIGGER audit_event_objects_no_update BEFORE UPDATE ON audit_event_objects
        BEGIN SELECT RAISE(ABORT, 'audit_event_objects is append-only'); END;
        CREATE TRIGGER audit_event_objects_no_delete BEFORE DELETE ON audit_event_objects
        BEGIN SELECT RAISE(ABORT, 'audit_event_objects is append-only'); END;
        """;

    public const string SqliteEventObjectsDown = """
        DROP TRIGGER IF EXISTS audit_event_objects_no_update;
        DROP TRIGGER IF EXISTS audit_event_objects_no_delete;
        """;

    public const string PostgresEventObjectsUp = """
        INSERT INTO audit_event_objects (type, id, seq)
        SELECT DISTINCT o->>'type', o->>'id', e.seq FROM audit_events AS e, jsonb_array_elements(CAST(e.objects AS jsonb)) AS o;
        CREATE TRIGGER audit_event_objects_no_mutation BEFORE UPDATE OR DELETE ON audit_event_objects
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
        CREATE TRIGGER audit_event_objects_no_truncate BEFORE TRUNCATE ON audit_event_objects
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
        """;

    public const string PostgresEventObjectsDown = """
        DROP TRIGGER IF EXISTS audit_event_objects_no_mutation ON audit_event_objects;
        DROP TRIGGER IF EXISTS audit_event_objects_no_truncate ON audit_event_objects;
        """;
}
