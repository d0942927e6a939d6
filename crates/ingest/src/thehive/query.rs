//! TheHive's query language, as `POST /api/v1/query` receives it:
//!
//! ```json
//! {"query": [{"_name": "listAlert"},
//!            {"_name": "filter", "_and": [{"_eq": {"_field": "status", "_value": "New"}}]},
//!            {"_name": "sort", "_fields": [{"date": "desc"}]},
//!            {"_name": "page", "from": 0, "to": 10}]}
//! ```
//! Parsed into a small tree the store turns into SQL; unknown operators and fields are
//! refused by name rather than ignored.

use serde_json::{Map, Value};

/// Alert attributes a filter or sort may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Title,
    Description,
    Source,
    SourceRef,
    Type,
    Severity,
    Status,
    Tags,
    Date,
    CreatedAt,
    Tlp,
    Pap,
    Assignee,
}

impl Field {
    fn parse(name: &str) -> Result<Field, String> {
        Ok(match name {
            "_id" | "id" => Field::Id,
            "title" => Field::Title,
            "description" => Field::Description,
            "source" => Field::Source,
            "sourceRef" => Field::SourceRef,
            "type" => Field::Type,
            "severity" => Field::Severity,
            "status" | "stage" => Field::Status,
            "tags" => Field::Tags,
            "date" => Field::Date,
            "_createdAt" | "createdAt" => Field::CreatedAt,
            "tlp" => Field::Tlp,
            "pap" => Field::Pap,
            "assignee" => Field::Assignee,
            other => return Err(format!("unknown alert attribute {other:?}")),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(Field, Comparison, Value),
    In(Field, Vec<Value>),
    /// `*` is the wildcard (TheHive's `_like`; `_startsWith`/`_endsWith` become this).
    Like(Field, String),
    Between(Field, Value, Value),
    /// The attribute is present.
    Exists(Field),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// What the query asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Option<Filter>,
    pub sort: Vec<(Field, Direction)>,
    /// Rows `from..to` of the sorted result.
    pub from: u64,
    pub to: u64,
    /// `{"_name": "count"}` last: the answer is a number.
    pub count: bool,
}

/// Most rows one page may return.
pub const MAX_PAGE: u64 = 1000;

/// Parses a query body; errors name the step and what was wrong with it.
pub fn parse_query(body: &Value) -> Result<Query, String> {
    let steps = body.get("query").and_then(Value::as_array).ok_or("the body needs a \"query\" array")?;
    let mut steps = steps.iter();
    let first = steps.next().and_then(|s| s.get("_name")).and_then(Value::as_str);
    if first != Some("listAlert") {
        return Err(format!("only listAlert queries are supported, not {}", first.unwrap_or("(none)")));
    }
    let mut query = Query { filter: None, sort: Vec::new(), from: 0, to: MAX_PAGE, count: false };
    let mut filters = Vec::new();
    for step in steps {
        let object = step.as_object().ok_or("each query step must be an object")?;
        match object.get("_name").and_then(Value::as_str) {
            Some("filter") => filters.push(parse_filter_object(object, true)?),
            Some("sort") => query.sort.extend(parse_sort(object)?),
            Some("page") => {
                let bound =
                    |name| object.get(name).map(|v| v.as_u64().ok_or(format!("page.{name} must be a whole number")));
                query.from = bound("from").transpose()?.unwrap_or(0);
                query.to = bound("to").transpose()?.unwrap_or(query.from + 10);
                if query.to < query.from {
                    return Err("page.to is before page.from".into());
                }
                query.to = query.to.min(query.from + MAX_PAGE);
            }
            Some("count") => query.count = true,
            Some(other) => return Err(format!("unsupported query step {other:?}")),
            None => return Err("a query step lacks \"_name\"".into()),
        }
    }
    query.filter = match filters.len() {
        0 => None,
        1 => filters.pop(),
        _ => Some(Filter::And(filters)),
    };
    Ok(query)
}

fn parse_sort(step: &Map<String, Value>) -> Result<Vec<(Field, Direction)>, String> {
    let fields = step.get("_fields").and_then(Value::as_array).ok_or("sort needs \"_fields\"")?;
    let mut sort = Vec::new();
    for entry in fields {
        for (name, direction) in entry.as_object().ok_or("sort fields are objects like {\"date\": \"desc\"}")? {
            let direction = match direction.as_str() {
                Some("asc") => Direction::Asc,
                Some("desc") => Direction::Desc,
                _ => return Err(format!("sort direction for {name} must be \"asc\" or \"desc\"")),
            };
            sort.push((Field::parse(name)?, direction));
        }
    }
    Ok(sort)
}

const MAX_DEPTH: usize = 32;

fn parse_filter(value: &Value, depth: usize) -> Result<Filter, String> {
    if depth > MAX_DEPTH {
        return Err("the filter is nested too deeply".into());
    }
    let object = value.as_object().ok_or_else(|| format!("a filter must be an object, not {value}"))?;
    parse_filter_inner(object, depth)
}

/// A `filter` step carries its operator next to `_name`.
fn parse_filter_object(step: &Map<String, Value>, is_step: bool) -> Result<Filter, String> {
    let mut object = step.clone();
    if is_step {
        object.remove("_name");
    }
    parse_filter_inner(&object, 0)
}

fn parse_filter_inner(object: &Map<String, Value>, depth: usize) -> Result<Filter, String> {
    // Shorthand: {"_field": "status", "_value": "New"} is an equality.
    if object.contains_key("_field") {
        return field_value(object, "_eq").map(|(field, value)| Filter::Compare(field, Comparison::Eq, value));
    }
    let (operator, operand) = match object.len() {
        1 => object.iter().next().ok_or("an empty filter")?,
        0 => return Err("an empty filter".into()),
        _ => {
            return Err(format!(
                "a filter takes one operator, found {}",
                object.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    };
    let nested = |operand: &Value| -> Result<Vec<Filter>, String> {
        operand
            .as_array()
            .ok_or(format!("{operator} takes an array of filters"))?
            .iter()
            .map(|f| parse_filter(f, depth + 1))
            .collect()
    };
    let operand_object = || {
        operand
            .as_object()
            .ok_or_else(|| format!("{operator} takes an object like {{\"_field\": ..., \"_value\": ...}}"))
    };
    Ok(match operator.as_str() {
        "_and" => Filter::And(nested(operand)?),
        "_or" => Filter::Or(nested(operand)?),
        "_not" => Filter::Not(Box::new(parse_filter(operand, depth + 1)?)),
        "_eq" | "_ne" | "_lt" | "_lte" | "_gt" | "_gte" => {
            let comparison = match operator.as_str() {
                "_eq" => Comparison::Eq,
                "_ne" => Comparison::Ne,
                "_lt" => Comparison::Lt,
                "_lte" => Comparison::Lte,
                "_gt" => Comparison::Gt,
                _ => Comparison::Gte,
            };
            let (field, value) = field_value(operand_object()?, operator)?;
            Filter::Compare(field, comparison, value)
        }
        "_in" => {
            let object = operand_object()?;
            let field = Field::parse(object.get("_field").and_then(Value::as_str).ok_or("_in needs \"_field\"")?)?;
            let values = object.get("_values").and_then(Value::as_array).ok_or("_in needs \"_values\"")?;
            Filter::In(field, values.clone())
        }
        "_like" | "_startsWith" | "_endsWith" => {
            let (field, value) = field_value(operand_object()?, operator)?;
            let text = value.as_str().ok_or(format!("{operator} compares text"))?.to_owned();
            let pattern = match operator.as_str() {
                "_startsWith" => format!("{text}*"),
                "_endsWith" => format!("*{text}"),
                _ => text,
            };
            Filter::Like(field, pattern)
        }
        "_between" => {
            let object = operand_object()?;
            let field = Field::parse(object.get("_field").and_then(Value::as_str).ok_or("_between needs \"_field\"")?)?;
            let from = object.get("_from").cloned().ok_or("_between needs \"_from\"")?;
            let to = object.get("_to").cloned().ok_or("_between needs \"_to\"")?;
            Filter::Between(field, from, to)
        }
        "_contains" => {
            let name = match operand {
                Value::String(name) => name.as_str(),
                Value::Object(o) => o.get("_field").and_then(Value::as_str).ok_or("_contains needs a field name")?,
                _ => return Err("_contains needs a field name".into()),
            };
            Filter::Exists(Field::parse(name)?)
        }
        "_id" => Filter::Compare(Field::Id, Comparison::Eq, operand.clone()),
        other => return Err(format!("unsupported filter operator {other:?}")),
    })
}

fn field_value(object: &Map<String, Value>, operator: &str) -> Result<(Field, Value), String> {
    let field = object.get("_field").and_then(Value::as_str).ok_or(format!("{operator} needs \"_field\""))?;
    let value = object.get("_value").cloned().ok_or(format!("{operator} needs \"_value\""))?;
    Ok((Field::parse(field)?, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thehive4py_find_shape() {
        let body = json!({"query": [
            {"_name": "listAlert"},
            {"_name": "filter", "_and": [{"_eq": {"_field": "status", "_value": "New"}},
                                         {"_in": {"_field": "severity", "_values": [3, 4]}},
                                         {"_not": {"_like": {"_field": "title", "_value": "*test*"}}}]},
            {"_name": "sort", "_fields": [{"date": "desc"}, {"title": "asc"}]},
            {"_name": "page", "from": 10, "to": 30}]});
        let query = parse_query(&body).expect("valid");
        assert_eq!(query.sort, vec![(Field::Date, Direction::Desc), (Field::Title, Direction::Asc)]);
        assert_eq!((query.from, query.to, query.count), (10, 30, false));
        let Some(Filter::And(parts)) = query.filter else { panic!("and") };
        assert_eq!(parts[0], Filter::Compare(Field::Status, Comparison::Eq, json!("New")));
        assert_eq!(parts[1], Filter::In(Field::Severity, vec![json!(3), json!(4)]));
        assert_eq!(parts[2], Filter::Not(Box::new(Filter::Like(Field::Title, "*test*".into()))));
    }

    #[test]
    fn shorthand_count_and_errors() {
        let body = json!({"query": [{"_name": "listAlert"}, {"_name": "filter", "_field": "source", "_value": "wazuh"}, {"_name": "count"}]});
        let query = parse_query(&body).expect("valid");
        assert!(query.count);
        assert_eq!(query.filter, Some(Filter::Compare(Field::Source, Comparison::Eq, json!("wazuh"))));
        let bad = |body: Value| parse_query(&body).expect_err("refused");
        assert!(bad(json!({"query": [{"_name": "listCase"}]})).contains("listAlert"));
        assert!(bad(json!({"query": [{"_name": "listAlert"}, {"_name": "filter", "_eq": {"_field": "colour", "_value": 1}}]})).contains("colour"));
        assert!(bad(json!({"query": [{"_name": "listAlert"}, {"_name": "filter", "_regex": {}}]})).contains("_regex"));
        assert!(
            bad(json!({"query": [{"_name": "listAlert"}, {"_name": "page", "from": 5, "to": 1}]})).contains("before")
        );
        let mut deep = json!({"_eq": {"_field": "title", "_value": "x"}});
        for _ in 0..40 {
            deep = json!({"_not": deep});
        }
        assert!(
            bad(json!({"query": [{"_name": "listAlert"}, {"_name": "filter", "_and": [deep]}]})).contains("deeply")
        );
    }

    #[test]
    fn pages_are_capped() {
        let body = json!({"query": [{"_name": "listAlert"}, {"_name": "page", "from": 0, "to": 1_000_000}]});
        assert_eq!(parse_query(&body).expect("valid").to, MAX_PAGE);
    }
}
