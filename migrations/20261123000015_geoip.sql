-- Where the GeoIP and ASN databases (MaxMind mmdb format) are on the server, when an
-- administrator configured them; enrichment then places addresses and flags impossible
-- travel. One row.
create table geoip_setting (
    singleton  boolean primary key default true constraint geoip_setting_singleton check (singleton),
    city_path  text,
    asn_path   text,
    updated_by text not null default 'default',
    updated_at timestamptz not null default now()
);
insert into geoip_setting default values;
