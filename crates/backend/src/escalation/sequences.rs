//! Sequence rules in the pipeline: the batch's events that meet any step advance the stored
//! state of their keys (and of states they share a value with); nothing older is re-read.

use std::collections::{BTreeSet, HashMap};

use riposte_domain::escalation::{EventFacts, Rule, Sequence, SequenceState};
use sqlx::PgConnection;

use super::Firing;
use crate::BackendError;
use crate::alerts::epoch_ms;
use crate::store::escalation as store;

pub(super) async fn run<'a>(
    conn: &mut PgConnection,
    rule: &'a Rule,
    sequence: &Sequence,
    events: &[EventFacts],
) -> Result<Vec<Firing<'a>>, BackendError> {
    let relevant: Vec<&EventFacts> = events.iter().filter(|e| sequence.steps.iter().any(|s| s.when.holds(e))).collect();
    if relevant.is_empty() {
        return Ok(Vec::new());
    }
    let keys: BTreeSet<&String> = relevant.iter().flat_map(|e| sequence.by.values(e)).collect();
    let joins: BTreeSet<String> = relevant.iter().flat_map(|e| sequence.join_tokens(e)).collect();
    let keys: Vec<String> = keys.into_iter().cloned().collect();
    let joins: Vec<String> = joins.into_iter().collect();
    let mut states: HashMap<String, SequenceState> = store::load_states(&mut *conn, &rule.name, &keys, &joins)
        .await?
        .into_iter()
        .map(|row| (row.key, row.state.0))
        .collect();
    // Which keys' states hold each shared value. An entry may outlive the event that put it
    // there (the window slid, the sequence fired): `advance` checks the tie itself.
    let mut by_join: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (key, state) in &states {
        for token in state.joins() {
            by_join.entry(token.to_owned()).or_default().insert(key.clone());
        }
    }
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut firings = Vec::new();
    for event in relevant {
        let tokens = sequence.join_tokens(event);
        let mut targets: BTreeSet<String> = sequence
            .by
            .values(event)
            .iter()
            .filter(|key| states.contains_key(*key) || sequence.starts(key, event))
            .cloned()
            .collect();
        targets.extend(tokens.iter().filter_map(|t| by_join.get(t)).flatten().cloned());
        for key in targets {
            let state = states.entry(key.clone()).or_default();
            if let Some(events) = sequence.advance(state, &key, event) {
                firings.push(Firing { rule, key: format!("{}={key}", sequence.by.as_str()), events });
            }
            for token in &tokens {
                by_join.entry(token.clone()).or_default().insert(key.clone());
            }
            touched.insert(key);
        }
    }
    // A state lives for one window past its latest update, in wall-clock time: replayed old
    // events (a drill) still get their window.
    let expires = epoch_ms(time::OffsetDateTime::now_utc()) + sequence.within_ms;
    let changed: Vec<(&str, &SequenceState, i64)> =
        touched.iter().filter_map(|key| states.get(key).map(|state| (key.as_str(), state, expires))).collect();
    store::save_states(&mut *conn, &rule.name, &changed).await?;
    Ok(firings)
}
