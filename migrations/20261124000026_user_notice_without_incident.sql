-- An in-app notice may concern no incident: an objection to a containment action asked for
-- from an alert that no incident holds yet still reaches the person who asked for it.
alter table user_notice alter column incident_id drop not null;
