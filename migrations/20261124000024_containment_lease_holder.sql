-- Which worker holds an action's lease. Each server's action workers hold a session advisory
-- lock (key pair 0x52697073 and this number) for as long as their process lives, so a
-- lease whose holder's lock is gone belongs to a dead process and is taken over at once,
-- instead of waiting out `lease_until` (five minutes) after a crash or a restart.
alter table containment_action add column lease_holder integer check (lease_holder >= 0);
