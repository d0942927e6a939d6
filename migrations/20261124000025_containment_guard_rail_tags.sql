-- Inventory tags that make an asset critical infrastructure: a block that would cut off an
-- asset tagged so (or isolating it) needs a written override, like a listed protected
-- entry, and a policy never does it. Administrators edit the list with the other guard rails.
alter table containment_setting
    add column protected_tags text[] not null default '{dns, gateway, domain-controller}';

-- Vendor firewalls and EDRs block both ways (their own rules decide the direction), and a
-- one-way request to them is now refused: policies saved with one way on such a connector
-- would otherwise stop acting, so they say what the device really does.
update containment_policy p set direction = 'both'
from containment_connector c
where c.name = p.connector and c.kind in ('panos', 'fortigate', 'checkpoint', 'falcon', 'defender')
  and p.direction in ('inbound', 'outbound');
