-- The outcome of each connection's order, by connection id: a connection's history includes
-- the order's intent, written before the connection had an id, and finds it through here.
create index audit_events_created on audit_events (connection_id)
    where action = 'create_connection' and phase = 'outcome';
