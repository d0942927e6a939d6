-- Assets are edited one at a time in the UI as well as imported: each change adds one to the
-- version, and an edit names the version it was made against, so two people editing the same
-- asset never overwrite each other unseen.
alter table asset add column version integer not null default 1;

-- Enrichment finds the ranges holding an address by equality: the address's network at each
-- prefix length in use (see the domain's `prefixes`), one B-tree probe each, far cheaper than
-- a GiST containment search per address. The expression indexes list the lengths in use with
-- a few index probes. (The GiST indexes stay, for searches by range.)
create index asset_address_net_eq_idx on asset_address (net);
create index asset_address_prefix_idx on asset_address ((family(net) * 1000 + masklen(net)));
create index indicator_net_eq_idx on indicator (net) where net is not null;
create index indicator_prefix_idx on indicator ((family(net) * 1000 + masklen(net))) where net is not null;
