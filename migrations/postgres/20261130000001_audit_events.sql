-- The audit history on PostgreSQL, for several portal instances sharing one database: the
-- same table, indexes and guarantees as the SQLite migrations one directory up. Every integer
-- is a bigint (the portal reads them all as 64-bit); JSON snapshots stay text, byte for byte
-- as the portal wrote them, since the hash chain covers them.
create table audit_events (
    id              bigint  primary key,
    at              text    collate "C" not null,
    request_id      text    not null,
    phase           text    not null check (phase in ('intent', 'outcome')),
    intent_id       bigint  references audit_events (id),
    action          text    not null,
    actor_id        text,
    actor_name      text,
    actor_email     text,
    company         text,
    connection_id   text,
    peering_type    text,
    reason          text,
    ticket          text,
    request         text,
    before          text,
    after           text,
    outcome         text,
    upstream_status bigint,
    error           text,
    duration_ms     bigint,
    client_addr     text,
    user_agent      text,
    prev_hash       text    not null,
    hash            text    not null
);

create index audit_events_connection on audit_events (connection_id, id);
create index audit_events_actor_id on audit_events (actor_id, id);
create index audit_events_actor_email on audit_events (lower(actor_email), id);
create index audit_events_action on audit_events (action, id);
create index audit_events_at on audit_events (at, id);
create unique index audit_events_intent on audit_events (intent_id) where intent_id is not null;
create index audit_events_created on audit_events (connection_id)
    where action = 'create_connection' and phase = 'outcome';

-- Append-only: no row is changed or deleted, and the table is not emptied, whoever asks.
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only: rows cannot be %',
        case tg_op when 'UPDATE' then 'changed' when 'DELETE' then 'deleted' else 'truncated' end;
end
$$;

create trigger audit_events_no_update before update on audit_events
    for each row execute function audit_events_append_only();
create trigger audit_events_no_delete before delete on audit_events
    for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only();

-- Where reconciliation got to: intents at or below this id have an outcome (or got one), so
-- each look for interrupted changes reads only rows written since.
create table audit_checkpoint (
    id              integer primary key check (id = 1),
    reconciled_upto bigint  not null
);

insert into audit_checkpoint (id, reconciled_upto) values (1, 0);
