//! Tag mode: the address is registered with a User-ID tag, and a dynamic address group that
//! matches the tag (used by a deny rule) picks it up at once, with no commit. A registration
//! holds one address, not a range.

use std::net::IpAddr;

use crate::ConnectorError;

use super::answer;
use super::api::Api;

/// PAN-OS answers a registration that is already there, or an unregistration of one that is
/// not, with an error saying so; pan-os-python ignores these too.
const ALREADY_REGISTERED: &str = "already exists, ignore";
const NOT_REGISTERED: &str = "does not exist, ignore unreg";

/// The User-ID message registering (`op = "register"`) or unregistering one tag on one
/// address, as pan-os-python writes it.
pub fn uid_message(op: &str, ip: IpAddr, tag: &str) -> String {
    format!(
        "<uid-message><version>1.0</version><type>update</type><payload><{op}><entry ip=\"{ip}\"><tag>\
         <member>{tag}</member></tag></entry></{op}></payload></uid-message>"
    )
}

pub fn registered_ip_cmd(ip: IpAddr) -> String {
    format!("<show><object><registered-ip><ip>{ip}</ip></registered-ip></object></show>")
}

pub async fn register(api: &Api, ip: IpAddr, tag: &str) -> Result<(), ConnectorError> {
    let cmd = uid_message("register", ip, tag);
    api.call("register tag", &[("type", "user-id"), ("cmd", &cmd)], &[ALREADY_REGISTERED]).await?;
    Ok(())
}

pub async fn unregister(api: &Api, ip: IpAddr, tag: &str) -> Result<(), ConnectorError> {
    let cmd = uid_message("unregister", ip, tag);
    api.call("unregister tag", &[("type", "user-id"), ("cmd", &cmd)], &[NOT_REGISTERED]).await?;
    Ok(())
}

/// The tags the firewall holds for `ip` now.
pub async fn tags_of(api: &Api, ip: IpAddr) -> Result<Vec<String>, ConnectorError> {
    let what = "show registered-ip";
    let body = api.call(what, &[("type", "op"), ("cmd", &registered_ip_cmd(ip))], &[]).await?;
    let doc = answer::parse(&body, api.device(), what)?;
    Ok(answer::registered_tags(&doc, ip))
}
