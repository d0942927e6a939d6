//! GeoIP and ASN lookups from MaxMind-format databases (GeoLite2/GeoIP2 City and ASN, or
//! any mmdb with the same fields). The files are read once and kept until they change on
//! disk, so replacing a database with a newer one needs no restart.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use maxminddb::Reader;
use riposte_domain::enrichment::identity::Place;
use serde::Deserialize;

type Db = Arc<Reader<Vec<u8>>>;

/// The databases configured now; either may be missing.
#[derive(Clone, Default)]
pub struct Geo {
    city: Option<Db>,
    asn: Option<Db>,
}

static OPENED: Mutex<Option<HashMap<PathBuf, (SystemTime, Db)>>> = Mutex::new(None);

impl Geo {
    /// Opens (or reuses) the databases at these paths.
    pub fn open(city: Option<&str>, asn: Option<&str>) -> Result<Geo, String> {
        Ok(Geo {
            city: city.map(|p| cached(Path::new(p))).transpose()?,
            asn: asn.map(|p| cached(Path::new(p))).transpose()?,
        })
    }

    pub fn is_configured(&self) -> bool {
        self.city.is_some() || self.asn.is_some()
    }

    /// Where an address is; none without databases or when neither knows it.
    pub fn locate(&self, address: &str) -> Option<Place> {
        let ip: IpAddr = address.parse().ok()?;
        let mut place = Place::default();
        if let Some(record) = self.city.as_ref().and_then(|db| lookup::<CityRecord>(db, ip)) {
            place.country = record.country.and_then(|c| c.iso_code.map(str::to_owned));
            place.city = record.city.and_then(|c| c.names.en.map(str::to_owned));
            if let Some(location) = record.location {
                (place.latitude, place.longitude) = (location.latitude, location.longitude);
            }
        }
        if let Some(record) = self.asn.as_ref().and_then(|db| lookup::<AsnRecord>(db, ip)) {
            place.asn = record.autonomous_system_number;
            place.network = record.autonomous_system_organization.map(str::to_owned);
        }
        (place != Place::default()).then_some(place)
    }
}

/// A batch's places, each address looked up once however many alerts and logons name it.
pub struct Places<'g> {
    geo: &'g Geo,
    seen: HashMap<String, Option<Place>>,
}

impl<'g> Places<'g> {
    pub fn new(geo: &'g Geo) -> Places<'g> {
        Places { geo, seen: HashMap::new() }
    }

    pub fn of(&mut self, address: &str) -> Option<Place> {
        if let Some(known) = self.seen.get(address) {
            return known.clone();
        }
        let place = self.geo.locate(address);
        self.seen.insert(address.to_owned(), place.clone());
        place
    }
}

fn lookup<'a, T: Deserialize<'a>>(db: &'a Reader<Vec<u8>>, ip: IpAddr) -> Option<T> {
    db.lookup(ip).ok()?.decode::<T>().ok().flatten()
}

fn cached(path: &Path) -> Result<Db, String> {
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("GeoIP database {}: {e}", path.display()))?;
    let mut opened = OPENED.lock().map_err(|_| "GeoIP cache poisoned".to_owned())?;
    let opened = opened.get_or_insert_with(HashMap::new);
    if let Some((at, db)) = opened.get(path)
        && *at == modified
    {
        return Ok(db.clone());
    }
    let db = Arc::new(
        Reader::open_readfile(path).map_err(|e| format!("GeoIP database {} cannot be read: {e}", path.display()))?,
    );
    opened.insert(path.to_owned(), (modified, db.clone()));
    Ok(db)
}

/// The fields read from a City database (a subset of GeoIP2 City).
#[derive(Deserialize)]
struct CityRecord<'a> {
    #[serde(borrow, default)]
    country: Option<IsoCode<'a>>,
    #[serde(borrow, default)]
    city: Option<Named<'a>>,
    #[serde(default)]
    location: Option<Location>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct Named<'a> {
    #[serde(borrow, default)]
    names: Names<'a>,
}

#[derive(Deserialize, Default)]
struct Names<'a> {
    #[serde(borrow, default)]
    en: Option<&'a str>,
}

#[derive(Deserialize)]
struct Location {
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
}

#[derive(Deserialize)]
struct AsnRecord<'a> {
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        format!("{}/tests/fixtures/geoip/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn city_and_network_come_from_their_databases() {
        let geo = Geo::open(Some(&fixture("city-test.mmdb")), Some(&fixture("asn-test.mmdb"))).expect("open");
        let place = geo.locate("192.0.2.10").expect("known");
        assert_eq!(place.label(), "Paris, FR · AS64500 Example Telecom FR");
        assert!(place.latitude.is_some());
        assert_eq!(geo.locate("10.0.0.1"), None);
        assert!(Geo::open(Some(&fixture("no-such.mmdb")), None).is_err());
    }
}
