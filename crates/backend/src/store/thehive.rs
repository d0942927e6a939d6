//! TheHive's query language on the `alert` table: the filter tree parsed by the adapter
//! becomes one parameterised statement (values are always bound, never spliced).

use riposte_ingest::thehive::query::{Comparison, Direction, Field, Filter, Query};
use riposte_ingest::thehive::status_from_thehive;
use serde_json::Value;
use sqlx::{PgExecutor, Postgres, QueryBuilder};

use super::alerts::{AlertRow, COLUMNS};
use crate::BackendError;

/// Alerts created through TheHive's API and not deleted through it.
const VISIBLE: &str = "unmapped ? 'thehive' and not coalesce((unmapped -> 'thehive' ->> 'deleted')::boolean, false)";

/// One page of alerts matching the query, in its order.
pub async fn list(db: impl PgExecutor<'_>, query: &Query) -> Result<Vec<AlertRow>, BackendError> {
    let mut sql = QueryBuilder::<Postgres>::new(format!("select {COLUMNS} from alert where {VISIBLE}"));
    push_where(&mut sql, query)?;
    sql.push(" order by ");
    for (field, direction) in &query.sort {
        let expression = sort_expression(*field)?;
        sql.push(expression).push(if *direction == Direction::Asc { " asc, " } else { " desc, " });
    }
    sql.push("received_at desc, alert_id desc limit ");
    sql.push_bind(i64::try_from(query.to - query.from).unwrap_or(i64::MAX));
    sql.push(" offset ");
    sql.push_bind(i64::try_from(query.from).unwrap_or(i64::MAX));
    Ok(sql.build_query_as().fetch_all(db).await?)
}

/// How many alerts match the query's filter.
pub async fn count(db: impl PgExecutor<'_>, query: &Query) -> Result<i64, BackendError> {
    let mut sql = QueryBuilder::<Postgres>::new(format!("select count(*) from alert where {VISIBLE}"));
    push_where(&mut sql, query)?;
    Ok(sql.build_query_scalar().fetch_one(db).await?)
}

fn push_where(sql: &mut QueryBuilder<'_, Postgres>, query: &Query) -> Result<(), BackendError> {
    if let Some(filter) = &query.filter {
        sql.push(" and ");
        push_filter(sql, filter).map_err(invalid)?;
    }
    Ok(())
}

fn invalid(message: String) -> BackendError {
    BackendError::Validation(riposte_domain::ValidationError::new("query", message))
}

/// How a field's values are compared in SQL.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// TheHive's 1-4, stored as OCSF 2-5.
    Severity,
    Status,
    Time,
    Number,
    Id,
    Tags,
}

fn column(field: Field) -> (&'static str, Kind) {
    match field {
        Field::Id => ("alert_id", Kind::Id),
        Field::Title => ("title", Kind::Text),
        Field::Description => ("description", Kind::Text),
        Field::Source => ("(unmapped -> 'thehive' ->> 'source')", Kind::Text),
        Field::SourceRef => ("source_ref", Kind::Text),
        Field::Type => ("(unmapped -> 'thehive' ->> 'type')", Kind::Text),
        Field::Assignee => ("(unmapped -> 'thehive' ->> 'assignee')", Kind::Text),
        Field::Severity => ("severity", Kind::Severity),
        Field::Status => ("status", Kind::Status),
        Field::Tags => ("tags", Kind::Tags),
        Field::Date => ("coalesce(event_time, received_at)", Kind::Time),
        Field::CreatedAt => ("received_at", Kind::Time),
        Field::Tlp => ("((unmapped -> 'thehive' ->> 'tlp')::int)", Kind::Number),
        Field::Pap => ("((unmapped -> 'thehive' ->> 'pap')::int)", Kind::Number),
    }
}

fn sort_expression(field: Field) -> Result<&'static str, BackendError> {
    match column(field) {
        (_, Kind::Tags) => Err(invalid("alerts cannot be sorted by tags".into())),
        (expression, _) => Ok(expression),
    }
}

fn push_filter(sql: &mut QueryBuilder<'_, Postgres>, filter: &Filter) -> Result<(), String> {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => {
            if parts.is_empty() {
                sql.push(if matches!(filter, Filter::And(_)) { "true" } else { "false" });
                return Ok(());
            }
            let joiner = if matches!(filter, Filter::And(_)) { " and " } else { " or " };
            sql.push("(");
            for (n, part) in parts.iter().enumerate() {
                if n > 0 {
                    sql.push(joiner);
                }
                push_filter(sql, part)?;
            }
            sql.push(")");
        }
        Filter::Not(inner) => {
            sql.push("not coalesce((");
            push_filter(sql, inner)?;
            sql.push("), false)");
        }
        Filter::Compare(field, comparison, value) => {
            let (expression, kind) = column(*field);
            if let Kind::Tags = kind {
                return match comparison {
                    Comparison::Eq => push_tag(sql, value, ""),
                    Comparison::Ne => push_tag(sql, value, "not "),
                    _ => Err("tags are compared with _eq, _ne, _in or _like".into()),
                };
            }
            if matches!(kind, Kind::Status) && !matches!(comparison, Comparison::Eq | Comparison::Ne) {
                return Err("status is compared with _eq, _ne or _in".into());
            }
            let operator = match comparison {
                Comparison::Eq => " = ",
                Comparison::Ne => " <> ",
                Comparison::Lt => " < ",
                Comparison::Lte => " <= ",
                Comparison::Gt => " > ",
                Comparison::Gte => " >= ",
            };
            sql.push(expression).push(operator);
            push_value(sql, kind, value, *field)?;
        }
        Filter::In(field, values) => {
            let (expression, kind) = column(*field);
            if values.is_empty() {
                sql.push("false");
                return Ok(());
            }
            if let Kind::Tags = kind {
                let tags = values.iter().map(|v| text(v, *field)).collect::<Result<Vec<_>, _>>()?;
                sql.push("tags && ").push_bind(tags).push("::text[]");
                return Ok(());
            }
            sql.push(expression).push(" in (");
            for (n, value) in values.iter().enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                push_value(sql, kind, value, *field)?;
            }
            sql.push(")");
        }
        Filter::Like(field, pattern) => {
            let (expression, kind) = column(*field);
            let pattern = like_pattern(pattern);
            match kind {
                Kind::Text => {
                    sql.push(expression).push(" ilike ").push_bind(pattern);
                }
                Kind::Tags => {
                    sql.push("exists (select 1 from unnest(tags) tag where tag ilike ").push_bind(pattern).push(")");
                }
                _ => return Err(format!("{field:?} is not text; _like compares text")),
            }
        }
        Filter::Between(field, from, to) => {
            let (expression, kind) = column(*field);
            if matches!(kind, Kind::Tags | Kind::Status) {
                return Err(format!("{field:?} has no range"));
            }
            sql.push("(").push(expression).push(" >= ");
            push_value(sql, kind, from, *field)?;
            sql.push(" and ").push(expression).push(" < ");
            push_value(sql, kind, to, *field)?;
            sql.push(")");
        }
        Filter::Exists(field) => {
            let (expression, kind) = column(*field);
            match kind {
                Kind::Tags => sql.push("cardinality(tags) > 0"),
                _ => sql.push(expression).push(" is not null"),
            };
        }
    }
    Ok(())
}

fn push_tag(sql: &mut QueryBuilder<'_, Postgres>, value: &Value, negation: &str) -> Result<(), String> {
    let tag = text(value, Field::Tags)?;
    sql.push(negation).push("(").push_bind(tag).push(" = any(tags))");
    Ok(())
}

fn push_value(sql: &mut QueryBuilder<'_, Postgres>, kind: Kind, value: &Value, field: Field) -> Result<(), String> {
    match kind {
        Kind::Text => {
            sql.push_bind(text(value, field)?);
        }
        Kind::Number => {
            sql.push_bind(number(value, field)?);
        }
        Kind::Severity => {
            let level = number(value, field)?;
            if !(1..=4).contains(&level) {
                return Err(format!("severity is 1 to 4, not {level}"));
            }
            sql.push_bind((level + 1) as i16);
        }
        Kind::Status => {
            let name = text(value, field)?;
            let status = status_from_thehive(&name)
                .ok_or(format!("status {name:?} is not New, InProgress, Imported or Ignored"))?;
            sql.push_bind(status);
        }
        Kind::Time => {
            let ms = number(value, field)?;
            sql.push("to_timestamp(").push_bind(ms as f64 / 1000.0).push(")");
        }
        Kind::Id => {
            sql.push_bind(parse_id(value).ok_or(format!("{value} is not an alert id"))?);
        }
        Kind::Tags => return Err("tags take _eq, _ne, _in or _like".into()),
    }
    Ok(())
}

/// TheHive 5 ids look like `~123`; bare numbers are accepted too.
pub fn parse_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.strip_prefix('~').unwrap_or(s).parse().ok(),
        _ => None,
    }
}

fn text(value: &Value, field: Field) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("{field:?} compares with text, not {other}")),
    }
}

fn number(value: &Value, field: Field) -> Result<i64, String> {
    value.as_i64().ok_or_else(|| format!("{field:?} compares with a whole number, not {value}"))
}

/// `*` wildcards to SQL's `%`, with SQL's own wildcards taken literally.
fn like_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 2);
    for c in pattern.chars() {
        match c {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '*' => out.push('%'),
            c => out.push(c),
        }
    }
    out
}
