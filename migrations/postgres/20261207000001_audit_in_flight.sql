-- The longest any portal sharing this database has said one of its changes can take (from its
-- upstream and busy timeouts), in milliseconds. An intent left without an outcome is closed as
-- interrupted only once that much time has passed, whichever portal closes it: a portal started
-- with shorter timeouts than another's never closes that other's change while it is under way.
alter table audit_checkpoint add column in_flight_ms bigint not null default 0;
