//! Where the GeoIP and ASN databases are, as administrators configure them. A path is
//! checked by opening the file before it is saved, so a typo is reported at once rather
//! than as a failing enricher on every alert.

use riposte_domain::{Permission, ValidationError};
use serde_json::json;

use super::geo::Geo;
use crate::admin::Actor;
use crate::store::{audit, identity as store};
use crate::{Backend, BackendError};

/// (city database path, ASN database path), either unset.
pub async fn get(backend: &Backend, actor: Actor<'_>) -> Result<(Option<String>, Option<String>), BackendError> {
    actor.require(Permission::ManageContext)?;
    let setting = store::geo_setting(&backend.pool).await?;
    Ok((setting.city_path, setting.asn_path))
}

pub async fn save(
    backend: &Backend,
    actor: Actor<'_>,
    city: Option<&str>,
    asn: Option<&str>,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageContext)?;
    let clean = |p: Option<&str>| p.map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
    let (city, asn) = (clean(city), clean(asn));
    for (path, field) in [(&city, "city_path"), (&asn, "asn_path")] {
        if let Some(path) = path {
            Geo::open(Some(path), None)
                .map_err(|message| BackendError::Validation(ValidationError::new(field, message)))?;
        }
    }
    let mut tx = backend.pool.begin().await?;
    store::save_geo_setting(&mut *tx, city.as_deref(), asn.as_deref(), actor.label()).await?;
    audit::append(&mut tx, actor.entry("set_geoip_databases", "GeoIP databases", json!({ "city": city, "asn": asn })))
        .await?;
    tx.commit().await?;
    Ok(())
}
