-- Notification channels may be e-mail over SMTP (the address is smtp://relay?from=…&to=…).
alter table notification_channel drop constraint notification_channel_kind_check;
alter table notification_channel add constraint notification_channel_kind_check
    check (kind in ('webhook', 'slack', 'teams', 'email'));
