//! Identity context from the logons already ingested: where a user usually signs in, from
//! which addresses (and, with a GeoIP/ASN database, countries and networks), whether the
//! alert's address or host is new for them, and whether two sign-ins are too far apart for
//! the time between them (impossible travel).

use serde::{Deserialize, Serialize};

/// Days of logon history read.
pub const HISTORY_DAYS: u32 = 30;
/// Faster than an airliner: no one travels between these sign-ins in the time between them.
pub const IMPOSSIBLE_KMH: f64 = 900.0;
/// Below this distance, GeoIP's imprecision explains the jump.
pub const MIN_TRAVEL_KM: f64 = 500.0;
/// Entries in each "usual" list.
pub const TOP: usize = 5;

/// Where an address is, from the GeoIP/ASN database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Place {
    pub country: Option<String>,
    pub city: Option<String>,
    pub asn: Option<u32>,
    pub network: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Place {
    /// "Paris, FR · AS3215 Orange".
    pub fn label(&self) -> String {
        let place = match (&self.city, &self.country) {
            (Some(city), Some(country)) => format!("{city}, {country}"),
            (None, Some(country)) => country.clone(),
            (Some(city), None) => city.clone(),
            (None, None) => String::new(),
        };
        let network = match (self.asn, &self.network) {
            (Some(asn), Some(name)) => format!("AS{asn} {name}"),
            (Some(asn), None) => format!("AS{asn}"),
            (None, Some(name)) => name.clone(),
            (None, None) => String::new(),
        };
        [place, network].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")
    }

    fn coordinates(&self) -> Option<(f64, f64)> {
        Some((self.latitude?, self.longitude?))
    }
}

/// One logon from the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Logon {
    pub at_ms: i64,
    pub success: bool,
    pub host: Option<String>,
    pub source: Option<String>,
    pub place: Option<Place>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub value: String,
    pub count: u32,
    /// Where the value is, for addresses with a GeoIP match.
    #[serde(default)]
    pub place: String,
}

/// Two successful sign-ins too far apart for the time between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Travel {
    pub from: String,
    pub from_place: String,
    pub from_ms: i64,
    pub to: String,
    pub to_place: String,
    pub to_ms: i64,
    pub km: u32,
    pub kmh: u32,
}

/// A user's sign-in pattern as of an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityContext {
    pub user: String,
    pub logons: u32,
    pub failures: u32,
    pub usual_hosts: Vec<Seen>,
    pub usual_sources: Vec<Seen>,
    /// Countries and networks signed in from (with a GeoIP/ASN database).
    pub usual_places: Vec<Seen>,
    /// The first successful logon in the history read.
    pub first_seen_ms: Option<i64>,
    /// The alert's source address, when no earlier successful logon came from it.
    pub new_source: Option<String>,
    /// The alert's host, when the user never signed in to it before.
    pub new_host: Option<String>,
    pub impossible_travel: Option<Travel>,
}

impl IdentityContext {
    /// Flags worth a human's attention, in words.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.logons == 0 {
            flags.push(format!("no successful logon by {} in the last {HISTORY_DAYS} days", self.user));
        }
        if let Some(source) = &self.new_source {
            flags.push(format!("first logon by {} from {source}", self.user));
        }
        if let Some(host) = &self.new_host {
            flags.push(format!("first logon by {} to {host}", self.user));
        }
        if let Some(t) = &self.impossible_travel {
            flags.push(format!(
                "impossible travel: {} ({}) then {} ({}), {} km at {} km/h",
                t.from, t.from_place, t.to, t.to_place, t.km, t.kmh
            ));
        }
        flags
    }
}

/// What the alert says about the sign-in it is about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertSide {
    pub at_ms: i64,
    pub source: Option<String>,
    pub host: Option<String>,
    pub place: Option<Place>,
}

/// Summarises `history` (this user's logons before the alert, any order) for the alert.
pub fn identity_context(user: &str, history: &[Logon], alert: &AlertSide) -> IdentityContext {
    let mut ok: Vec<&Logon> = history.iter().filter(|l| l.success && l.at_ms <= alert.at_ms).collect();
    ok.sort_by_key(|l| l.at_ms);
    let failures = history.iter().filter(|l| !l.success && l.at_ms <= alert.at_ms).count();
    let before: Vec<&Logon> = ok.iter().copied().filter(|l| l.at_ms < alert.at_ms).collect();
    let known = |pick: fn(&Logon) -> Option<&String>, value: &str| {
        before.iter().any(|l| pick(l).is_some_and(|v| v.eq_ignore_ascii_case(value)))
    };
    let new_source = alert.source.as_ref().filter(|s| !known(|l| l.source.as_ref(), s)).cloned();
    let new_host = alert.host.as_ref().filter(|h| !known(|l| l.host.as_ref(), h)).cloned();
    let places = |l: &Logon| l.place.as_ref().map(Place::label).unwrap_or_default();
    IdentityContext {
        user: user.to_owned(),
        logons: u32::try_from(ok.len()).unwrap_or(u32::MAX),
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        usual_hosts: top(ok.iter().filter_map(|l| l.host.clone().map(|h| (h.to_lowercase(), String::new())))),
        usual_sources: top(ok.iter().filter_map(|l| l.source.clone().map(|s| (s, places(l))))),
        usual_places: top(ok.iter().map(|l| places(l)).filter(|p| !p.is_empty()).map(|p| (p, String::new()))),
        first_seen_ms: ok.first().map(|l| l.at_ms),
        new_source: if ok.is_empty() { None } else { new_source },
        new_host: if ok.is_empty() { None } else { new_host },
        impossible_travel: fastest_jump(&ok, alert),
    }
}

/// The [`TOP`] most frequent values with their place, most frequent first (ties by first
/// appearance).
pub(crate) fn top(values: impl Iterator<Item = (String, String)>) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    for (value, place) in values {
        match seen.iter_mut().find(|s| s.value == value) {
            Some(s) => s.count += 1,
            None => seen.push(Seen { value, count: 1, place }),
        }
    }
    seen.sort_by_key(|s| std::cmp::Reverse(s.count));
    seen.truncate(TOP);
    seen
}

/// The fastest move between consecutive located sign-ins (the alert's own last), when it
/// is impossible.
fn fastest_jump(ok: &[&Logon], alert: &AlertSide) -> Option<Travel> {
    let mut located: Vec<(i64, &str, &Place)> = ok
        .iter()
        .filter_map(|l| Some((l.at_ms, l.source.as_deref()?, l.place.as_ref().filter(|p| p.coordinates().is_some())?)))
        .collect();
    if let (Some(source), Some(place)) = (alert.source.as_deref(), alert.place.as_ref())
        && place.coordinates().is_some()
        && !located.iter().any(|(at, s, _)| *at == alert.at_ms && *s == source)
    {
        located.push((alert.at_ms, source, place));
    }
    located.sort_by_key(|(at, _, _)| *at);
    located
        .windows(2)
        .filter_map(|pair| {
            let ((t0, s0, p0), (t1, s1, p1)) = (pair[0], pair[1]);
            let km = distance_km(p0.coordinates()?, p1.coordinates()?);
            let hours = ((t1 - t0) as f64 / 3_600_000.0).max(1.0 / 60.0);
            let kmh = km / hours;
            (km >= MIN_TRAVEL_KM && kmh > IMPOSSIBLE_KMH).then(|| Travel {
                from: s0.to_owned(),
                from_place: p0.label(),
                from_ms: t0,
                to: s1.to_owned(),
                to_place: p1.label(),
                to_ms: t1,
                km: km.round() as u32,
                kmh: kmh.round().min(f64::from(u32::MAX)) as u32,
            })
        })
        .max_by_key(|t| t.kmh)
}

/// Great-circle distance (haversine) between two (latitude, longitude) points.
pub fn distance_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let (dphi, dlambda) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn place(country: &str, lat: f64, lon: f64) -> Option<Place> {
        Some(Place { country: Some(country.into()), latitude: Some(lat), longitude: Some(lon), ..Place::default() })
    }

    fn logon(at_ms: i64, success: bool, host: &str, source: &str, at: Option<Place>) -> Logon {
        Logon { at_ms, success, host: Some(host.into()), source: Some(source.into()), place: at }
    }

    #[test]
    fn usual_hosts_and_sources_come_from_successful_logons() {
        let history = vec![
            logon(HOUR, true, "WS7", "10.0.0.7", None),
            logon(2 * HOUR, true, "ws7", "10.0.0.7", None),
            logon(3 * HOUR, true, "fs1", "10.0.0.7", None),
            logon(4 * HOUR, false, "dc01", "203.0.113.9", None),
        ];
        let alert =
            AlertSide { at_ms: 5 * HOUR, source: Some("10.0.0.7".into()), host: Some("ws7".into()), place: None };
        let ctx = identity_context("alice", &history, &alert);
        assert_eq!((ctx.logons, ctx.failures), (3, 1));
        assert_eq!(ctx.usual_hosts[0], Seen { value: "ws7".into(), count: 2, place: String::new() });
        assert_eq!(ctx.usual_sources[0].count, 3);
        assert_eq!(ctx.first_seen_ms, Some(HOUR));
        assert_eq!((ctx.new_source.as_deref(), ctx.new_host.as_deref()), (None, None));
        assert!(ctx.flags().is_empty());
    }

    #[test]
    fn a_new_source_and_host_are_flagged_but_not_for_a_user_never_seen() {
        let history = vec![logon(HOUR, true, "ws7", "10.0.0.7", None)];
        let alert =
            AlertSide { at_ms: 2 * HOUR, source: Some("198.51.100.4".into()), host: Some("dc01".into()), place: None };
        let ctx = identity_context("alice", &history, &alert);
        assert_eq!(ctx.new_source.as_deref(), Some("198.51.100.4"));
        assert_eq!(ctx.new_host.as_deref(), Some("dc01"));
        assert_eq!(ctx.flags().len(), 2);
        let unknown = identity_context("bob", &[], &alert);
        assert_eq!((unknown.new_source.as_deref(), unknown.new_host.as_deref()), (None, None));
        assert!(unknown.flags()[0].contains("no successful logon"));
    }

    #[test]
    fn paris_then_sydney_within_two_hours_is_impossible_travel() {
        let paris = place("FR", 48.8566, 2.3522);
        let sydney = place("AU", -33.8688, 151.2093);
        let history = vec![logon(0, true, "vpn", "192.0.2.10", paris.clone())];
        let alert = AlertSide { at_ms: 2 * HOUR, source: Some("203.0.113.50".into()), host: None, place: sydney };
        let travel = identity_context("alice", &history, &alert).impossible_travel.expect("flagged");
        assert_eq!((travel.from.as_str(), travel.to.as_str()), ("192.0.2.10", "203.0.113.50"));
        assert!((16_900..17_000).contains(&travel.km), "{}", travel.km);
        assert!(travel.kmh > 8000, "{}", travel.kmh);
        // The same trip over two days is possible; a short hop is GeoIP noise.
        let slow = AlertSide { at_ms: 48 * HOUR, ..alert.clone() };
        assert_eq!(identity_context("alice", &history, &slow).impossible_travel, None);
        let near = AlertSide { place: place("FR", 45.764, 4.8357), ..alert };
        assert_eq!(identity_context("alice", &history, &near).impossible_travel, None);
    }

    #[test]
    fn distances_are_great_circle() {
        let km = distance_km((51.5074, -0.1278), (40.7128, -74.0060));
        assert!((5560.0..5590.0).contains(&km), "{km}");
        assert_eq!(distance_km((10.0, 10.0), (10.0, 10.0)), 0.0);
    }

    #[test]
    fn places_read_as_city_country_and_network() {
        let p = Place {
            country: Some("FR".into()),
            city: Some("Paris".into()),
            asn: Some(3215),
            network: Some("Orange".into()),
            ..Place::default()
        };
        assert_eq!(p.label(), "Paris, FR · AS3215 Orange");
        assert_eq!(Place { asn: Some(64500), ..Place::default() }.label(), "AS64500");
    }
}
