-- Where start-up reconciliation got to: intents at or below this id have been checked for a
-- missing outcome, so a restart only looks at rows written since the last one.
create table audit_checkpoint (
    id              integer primary key check (id = 1),
    reconciled_upto integer not null
);

insert into audit_checkpoint (id, reconciled_upto) values (1, 0);
