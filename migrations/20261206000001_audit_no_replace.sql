-- `insert or replace` (and `replace`) would put a new row in the place of one whose id, or
-- whose intent's outcome, is taken, deleting the old row without the delete trigger (SQLite
-- fires it then only with recursive triggers on). An insert may take neither, so a row can
-- only ever be added.
create trigger audit_events_no_replace before insert on audit_events
when exists (select 1 from audit_events where id = new.id)
    or (new.intent_id is not null
        and exists (select 1 from audit_events where intent_id = new.intent_id))
begin
    select raise(abort, 'audit_events is append-only: rows cannot be replaced');
end;
