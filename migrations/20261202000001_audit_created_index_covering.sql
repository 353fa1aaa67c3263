-- The order outcomes' index also holds each one's intent id, so that finding the order's intent
-- for a connection's history reads the index alone, never the outcome rows themselves.
drop index audit_events_created;
create index audit_events_created on audit_events (connection_id, intent_id)
    where action = 'create_connection' and phase = 'outcome';
