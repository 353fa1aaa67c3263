-- The audit history: one append-only table, hash-chained row by row.
create table audit_events (
    id              integer primary key,
    at              text    not null,
    request_id      text    not null,
    phase           text    not null check (phase in ('intent', 'outcome')),
    intent_id       integer references audit_events (id),
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
    upstream_status integer,
    error           text,
    duration_ms     integer,
    client_addr     text,
    user_agent      text,
    prev_hash       text    not null,
    hash            text    not null
);

create index audit_events_connection on audit_events (connection_id, id);
create index audit_events_actor_id on audit_events (actor_id, id);
create index audit_events_actor_email on audit_events (actor_email, id);
create index audit_events_action on audit_events (action, id);
create index audit_events_at on audit_events (at);
create unique index audit_events_intent on audit_events (intent_id) where intent_id is not null;

create trigger audit_events_no_update before update on audit_events
begin
    select raise(abort, 'audit_events is append-only: rows cannot be changed');
end;

create trigger audit_events_no_delete before delete on audit_events
begin
    select raise(abort, 'audit_events is append-only: rows cannot be deleted');
end;
