-- Inventory tags that make an asset critical infrastructure: a block that would cut off an
-- asset tagged so (or isolating it) needs a written override, like a listed protected
-- entry, and a policy never does it. Administrators edit the list with the other guard rails.
alter table containment_setting
    add column protected_tags text[] not null default '{dns, gateway, domain-controller}';
