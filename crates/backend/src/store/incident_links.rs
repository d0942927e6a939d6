//! What correlation writes for a batch: incidents it opens, alert links with their reasons,
//! running counts, the incident's entities and the event-log rows.

use std::collections::{BTreeMap, BTreeSet};

use riposte_domain::alert::Entity;
use riposte_domain::correlation::LinkReason;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::BackendError;

/// The identity sequence's next `n` values, in order.
pub async fn reserve_incident_ids(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>, BackendError> {
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "select nextval(pg_get_serial_sequence('incident', 'incident_id')) from generate_series(1, $1)",
    )
    .bind(i32::try_from(n).unwrap_or(i32::MAX))
    .fetch_all(conn)
    .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// An incident opened by its first alert, with everything its batch adds to it (the opening
/// alert's own link included): inserted whole, so that a new incident costs one row version
/// (an update would write a second version and an entry in each of its ten indexes).
pub struct Opening<'a> {
    pub incident_id: i64,
    pub alert_id: i64,
    pub title: &'a str,
    pub growth: Growth,
}

/// Inserts incidents as opened, each with its `opened` event.
pub async fn open_incidents(conn: &mut PgConnection, openings: &[Opening<'_>]) -> Result<(), BackendError> {
    if openings.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = openings.iter().map(|o| o.incident_id).collect();
    let titles: Vec<&str> = openings.iter().map(|o| o.title).collect();
    let severities: Vec<i16> = openings.iter().map(|o| o.growth.severity).collect();
    let priorities: Vec<i16> = openings.iter().map(|o| i16::from(o.growth.priority)).collect();
    let scores: Vec<i16> = openings.iter().map(|o| i16::from(o.growth.score)).collect();
    let links: Vec<i32> = openings.iter().map(|o| o.growth.links).collect();
    let events: Vec<i64> = openings.iter().map(|o| o.growth.events).collect();
    let first: Vec<i64> = openings.iter().map(|o| o.growth.first_ms).collect();
    let last: Vec<i64> = openings.iter().map(|o| o.growth.last_ms).collect();
    let (technique_ids, techniques): (Vec<i64>, Vec<&str>) =
        openings.iter().flat_map(|o| o.growth.techniques.iter().map(move |t| (o.incident_id, t.as_str()))).unzip();
    sqlx::query(
        "with t as (select incident_id, array_agg(technique order by technique) techniques \
                    from unnest($10::int8[], $11::text[]) t(incident_id, technique) group by incident_id) \
         insert into incident (incident_id, title, severity, priority, score, alert_count, event_count, \
                               first_seen, last_seen, attack_techniques) overriding system value \
         select n.id, n.title, n.severity, n.priority, n.score, n.links, n.events, \
                to_timestamp(n.first_ms / 1000.0), to_timestamp(n.last_ms / 1000.0), coalesce(t.techniques, '{}') \
         from unnest($1::int8[], $2::text[], $3::int2[], $4::int2[], $5::int2[], $6::int4[], $7::int8[], \
                     $8::int8[], $9::int8[]) n(id, title, severity, priority, score, links, events, first_ms, last_ms) \
             left join t on t.incident_id = n.id",
    )
    .bind(&ids)
    .bind(&titles)
    .bind(&severities)
    .bind(&priorities)
    .bind(&scores)
    .bind(&links)
    .bind(&events)
    .bind(&first)
    .bind(&last)
    .bind(&technique_ids)
    .bind(&techniques)
    .execute(&mut *conn)
    .await?;
    let alerts: Vec<i64> = openings.iter().map(|o| o.alert_id).collect();
    sqlx::query(
        "insert into incident_event (incident_id, actor, kind, detail) \
         select id, 'correlation', 'opened', jsonb_build_object('alert_id', alert_id, 'title', title) \
         from unnest($1::int8[], $2::int8[], $3::text[]) n(id, alert_id, title)",
    )
    .bind(&ids)
    .bind(&alerts)
    .bind(&titles)
    .execute(conn)
    .await?;
    Ok(())
}

/// What one `alerts_linked` event says: how many, a sample of ids, the count per rule.
type LinkedSummary<'a> = (usize, Vec<i64>, BTreeMap<&'a str, usize>);

/// A link as stored.
pub struct NewLink<'a> {
    pub alert_id: i64,
    pub incident_id: i64,
    pub reason: Option<&'a LinkReason>,
}

/// Stores the links, and one `alerts_linked` event per incident (the opening alert of a new
/// incident is in its `opened` event instead).
pub async fn link_alerts(
    conn: &mut PgConnection,
    links: &[NewLink<'_>],
    linked_by: &str,
    opened_by: &BTreeSet<i64>,
) -> Result<(), BackendError> {
    if links.is_empty() {
        return Ok(());
    }
    let alert_ids: Vec<i64> = links.iter().map(|l| l.alert_id).collect();
    let incidents: Vec<i64> = links.iter().map(|l| l.incident_id).collect();
    let rules: Vec<Option<&str>> = links.iter().map(|l| l.reason.map(|r| r.rule_id.as_str())).collect();
    let entities: Vec<Option<Json<&Vec<Entity>>>> = links.iter().map(|l| l.reason.map(|r| Json(&r.entities))).collect();
    sqlx::query(
        "insert into incident_alert (alert_id, incident_id, rule_id, join_entities, linked_by) \
         select a, i, r, e, $5 from unnest($1::int8[], $2::int8[], $3::text[], $4::jsonb[]) n(a, i, r, e) \
         on conflict (alert_id) do nothing",
    )
    .bind(&alert_ids)
    .bind(&incidents)
    .bind(&rules)
    .bind(&entities)
    .bind(linked_by)
    .execute(&mut *conn)
    .await?;
    // Per incident: how many joined, a sample of which, and under which rules.
    let mut per_incident: BTreeMap<i64, LinkedSummary> = BTreeMap::new();
    for link in links.iter().filter(|l| !opened_by.contains(&l.alert_id)) {
        let entry = per_incident.entry(link.incident_id).or_default();
        entry.0 += 1;
        if entry.1.len() < 50 {
            entry.1.push(link.alert_id);
        }
        *entry.2.entry(link.reason.map_or("manual", |r| r.rule_id.as_str())).or_default() += 1;
    }
    if per_incident.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = per_incident.keys().copied().collect();
    let details: Vec<Json<serde_json::Value>> = per_incident
        .values()
        .map(|(count, sample, rules)| Json(serde_json::json!({ "count": count, "alert_ids": sample, "rules": rules })))
        .collect();
    sqlx::query(
        "insert into incident_event (incident_id, actor, kind, detail) \
         select id, $3, 'alerts_linked', d from unnest($1::int8[], $2::jsonb[]) n(id, d)",
    )
    .bind(&ids)
    .bind(&details)
    .bind(linked_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a batch adds to one incident's running figures.
#[derive(Debug)]
pub struct Growth {
    pub links: i32,
    pub events: i64,
    pub first_ms: i64,
    pub last_ms: i64,
    pub severity: i16,
    /// Highest triage score among the batch's alerts, and the priority it calls for.
    pub score: u8,
    pub priority: u8,
    pub techniques: BTreeSet<String>,
}

impl Default for Growth {
    fn default() -> Self {
        Growth {
            links: 0,
            events: 0,
            first_ms: 0,
            last_ms: 0,
            severity: 0,
            score: 0,
            priority: u8::MAX,
            techniques: BTreeSet::new(),
        }
    }
}

impl Growth {
    pub fn add(&mut self, links: i32, events: i64, at_ms: i64) {
        if self.links == 0 && self.events == 0 {
            self.first_ms = at_ms;
            self.last_ms = at_ms;
        }
        self.links += links;
        self.events += events;
        self.first_ms = self.first_ms.min(at_ms);
        self.last_ms = self.last_ms.max(at_ms);
    }
}

pub async fn grow_incidents(conn: &mut PgConnection, growth: &BTreeMap<i64, Growth>) -> Result<(), BackendError> {
    if growth.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = growth.keys().copied().collect();
    let links: Vec<i32> = growth.values().map(|g| g.links).collect();
    let events: Vec<i64> = growth.values().map(|g| g.events).collect();
    let first: Vec<i64> = growth.values().map(|g| g.first_ms).collect();
    let last: Vec<i64> = growth.values().map(|g| g.last_ms).collect();
    let severity: Vec<i16> = growth.values().map(|g| g.severity).collect();
    let scores: Vec<i16> = growth.values().map(|g| i16::from(g.score)).collect();
    // Priority is only ever raised here (a lower number); u8::MAX means no scored alert.
    let priorities: Vec<i16> = growth.values().map(|g| i16::from(g.priority)).collect();
    let (technique_ids, techniques): (Vec<i64>, Vec<&str>) =
        growth.iter().flat_map(|(id, g)| g.techniques.iter().map(move |t| (*id, t.as_str()))).unzip();
    sqlx::query(
        "with g as (select * from unnest($1::int8[], $2::int4[], $3::int8[], $4::int8[], $5::int8[], $6::int2[], \
                                         $9::int2[], $10::int2[]) \
                        g(incident_id, links, events, first_ms, last_ms, severity, score, priority)), \
              t as (select incident_id, array_agg(technique) techniques \
                    from unnest($7::int8[], $8::text[]) t(incident_id, technique) group by incident_id) \
         update incident i set alert_count = i.alert_count + g.links, event_count = i.event_count + g.events, \
             first_seen = least(i.first_seen, to_timestamp(g.first_ms / 1000.0)), \
             last_seen = greatest(i.last_seen, to_timestamp(g.last_ms / 1000.0)), \
             severity = greatest(i.severity, g.severity), score = greatest(i.score, g.score), \
             priority = least(i.priority, g.priority), \
             attack_techniques = case when t.techniques is null then i.attack_techniques \
                 else array(select distinct x from unnest(i.attack_techniques || t.techniques) x order by x) end \
         from g left join t using (incident_id) where i.incident_id = g.incident_id",
    )
    .bind(&ids)
    .bind(&links)
    .bind(&events)
    .bind(&first)
    .bind(&last)
    .bind(&severity)
    .bind(&technique_ids)
    .bind(&techniques)
    .bind(&scores)
    .bind(&priorities)
    .execute(conn)
    .await?;
    Ok(())
}

/// The incidents that storm heads are in, with each head's source: (head, incident, source).
pub async fn incidents_of(conn: &mut PgConnection, alert_ids: &[i64]) -> Result<Vec<(i64, i64, String)>, BackendError> {
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "select l.alert_id, l.incident_id, a.source from incident_alert l join alert a using (alert_id) \
         where l.alert_id = any($1)",
    )
    .bind(alert_ids)
    .fetch_all(conn)
    .await?)
}

/// An incident's entity, with how many of the batch's alerts carried it and when.
#[derive(Debug, Clone, Copy)]
pub struct EntitySeen {
    pub count: i32,
    pub first_ms: i64,
    pub last_ms: i64,
}

pub async fn add_entities(
    conn: &mut PgConnection,
    seen: &BTreeMap<(i64, &Entity), EntitySeen>,
) -> Result<(), BackendError> {
    if seen.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = seen.keys().map(|(id, _)| *id).collect();
    let kinds: Vec<&str> = seen.keys().map(|(_, e)| e.kind.as_str()).collect();
    let roles: Vec<&str> = seen.keys().map(|(_, e)| e.role.map_or("", |r| r.as_str())).collect();
    let values: Vec<&str> = seen.keys().map(|(_, e)| e.value.as_str()).collect();
    let counts: Vec<i32> = seen.values().map(|s| s.count).collect();
    let first: Vec<i64> = seen.values().map(|s| s.first_ms).collect();
    let last: Vec<i64> = seen.values().map(|s| s.last_ms).collect();
    sqlx::query(
        "insert into incident_entity (incident_id, kind, role, value, alert_count, first_seen, last_seen) \
         select id, kind, role, value, n, to_timestamp(first_ms / 1000.0), to_timestamp(last_ms / 1000.0) \
         from unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::int8[], $7::int8[]) \
             e(id, kind, role, value, n, first_ms, last_ms) \
         on conflict (incident_id, kind, role, value) do update set \
             alert_count = incident_entity.alert_count + excluded.alert_count, \
             first_seen = least(incident_entity.first_seen, excluded.first_seen), \
             last_seen = greatest(incident_entity.last_seen, excluded.last_seen)",
    )
    .bind(&ids)
    .bind(&kinds)
    .bind(&roles)
    .bind(&values)
    .bind(&counts)
    .bind(&first)
    .bind(&last)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes values seen for the first time searchable (most are known already). Idempotent and
/// referring to nothing, so it may commit apart from the batch that saw them.
pub async fn remember_values(
    conn: &mut PgConnection,
    seen: &BTreeMap<(i64, &Entity), EntitySeen>,
) -> Result<(), BackendError> {
    let distinct: BTreeSet<(&str, &str)> = seen.keys().map(|(_, e)| (e.kind.as_str(), e.value.as_str())).collect();
    if distinct.is_empty() {
        return Ok(());
    }
    let (kinds, values): (Vec<&str>, Vec<&str>) = distinct.into_iter().unzip();
    sqlx::query(
        "insert into entity_value (kind, value, addr) \
         select kind, value, case when kind = 'ip' then value::inet end from unnest($1::text[], $2::text[]) v(kind, value) \
         on conflict (kind, value) do nothing",
    )
    .bind(&kinds)
    .bind(&values)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds alerts per (incident, source): this batch's links and storm members.
pub async fn add_sources(conn: &mut PgConnection, counts: &BTreeMap<(i64, String), i64>) -> Result<(), BackendError> {
    if counts.is_empty() {
        return Ok(());
    }
    let (ids, sources): (Vec<i64>, Vec<&str>) = counts.keys().map(|(id, source)| (*id, source.as_str())).unzip();
    let n: Vec<i64> = counts.values().copied().collect();
    sqlx::query(
        "insert into incident_source (incident_id, source, alerts) select * from unnest($1::int8[], $2::text[], $3::int8[]) \
         on conflict (incident_id, source) do update set alerts = incident_source.alerts + excluded.alerts",
    )
    .bind(&ids)
    .bind(&sources)
    .bind(&n)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records when each technique was first seen in each incident (earliest wins).
pub async fn add_techniques(conn: &mut PgConnection, first: &BTreeMap<(i64, &str), i64>) -> Result<(), BackendError> {
    if first.is_empty() {
        return Ok(());
    }
    let (ids, techniques): (Vec<i64>, Vec<&str>) = first.keys().copied().unzip();
    let at: Vec<i64> = first.values().copied().collect();
    sqlx::query(
        "insert into incident_technique (incident_id, technique, first_seen) \
         select id, t, to_timestamp(at / 1000.0) from unnest($1::int8[], $2::text[], $3::int8[]) n(id, t, at) \
         on conflict (incident_id, technique) do update set first_seen = least(incident_technique.first_seen, excluded.first_seen)",
    )
    .bind(&ids)
    .bind(&techniques)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}
