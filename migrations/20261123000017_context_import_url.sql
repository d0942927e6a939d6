-- An import may name a URL (a published watchlist, a STIX bundle, a MISP event or a whole
-- MISP feed) instead of carrying a file; the job fetches it when it runs, and again after a
-- restart. Exactly one of the two is given while the job waits.
alter table context_import add column url text;
alter table context_import add constraint context_import_file_or_url
    check (status not in ('queued', 'running') or (content is null) <> (url is null));
