//! Fetching a context file from a URL, where the network allows: a watchlist or inventory
//! published over HTTP, a STIX bundle, a MISP event, or a whole MISP feed (its
//! `manifest.json`, then every event it lists). The fetch runs inside the import job, so a
//! job interrupted by a restart fetches again; a fetch that fails ends the job as rejected
//! with the address and the reason.

use std::time::Duration;

use riposte_import::{MAX_FILE_BYTES, misp_feed};

/// What a URL gave.
pub enum Fetched {
    File(Vec<u8>),
    /// A MISP feed's events, by uuid.
    MispFeed(Vec<(String, Vec<u8>)>),
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest pause in the middle of a download: a large file may take minutes, a stalled one not.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(600);

/// Checks a URL an import is asked to fetch: http or https with a host, and no credentials
/// (the address is shown on the import's page and kept in its record).
pub fn check_url(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| format!("{:?} is not a URL: {e}", text.trim()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("only http and https URLs are fetched, not {}:", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL holds credentials; publish the file without them, or upload it".into());
    }
    Ok(url)
}

/// Whether `format` at `url` is a whole MISP feed rather than one file.
pub fn is_misp_feed(format: &str, url: &reqwest::Url) -> bool {
    format == "misp" && url.path().ends_with("/manifest.json")
}

/// Fetches what the import reads; the error says what went wrong, naming the address.
pub async fn fetch(format: &str, text: &str) -> Result<Fetched, String> {
    let url = check_url(text)?;
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!("riposte/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let work = async {
        if !is_misp_feed(format, &url) {
            return get(&client, &url, MAX_FILE_BYTES).await.map(Fetched::File);
        }
        let manifest = get(&client, &url, MAX_FILE_BYTES).await?;
        let uuids = misp_feed::manifest(&manifest).map_err(|e| format!("{url}: {e}"))?;
        let mut events = Vec::with_capacity(uuids.len());
        let mut left = MAX_FILE_BYTES;
        for uuid in uuids {
            let at = url.join(&format!("{uuid}.json")).map_err(|e| format!("event {uuid}: {e}"))?;
            let bytes = get(&client, &at, left).await?;
            left -= bytes.len();
            events.push((uuid, bytes));
        }
        Ok(Fetched::MispFeed(events))
    };
    tokio::time::timeout(TOTAL_TIMEOUT, work)
        .await
        .map_err(|_| format!("{url}: not fetched within {} minutes", TOTAL_TIMEOUT.as_secs() / 60))?
}

/// The body of a successful GET of at most `limit` bytes.
async fn get(client: &reqwest::Client, url: &reqwest::Url, limit: usize) -> Result<Vec<u8>, String> {
    let failed = |e: reqwest::Error| format!("{url}: {}", describe(&e));
    let mut response = client.get(url.clone()).send().await.map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    let too_large = || format!("{url}: larger than {} MB", MAX_FILE_BYTES / 1024 / 1024);
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// reqwest's message with its cause (which names the refused connection or the timeout).
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() { "timed out".to_owned() } else { err.to_string() };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_addresses_are_fetched() {
        assert!(check_url("https://feeds.example/list.csv").is_ok());
        assert!(check_url("file:///etc/passwd").expect_err("refused").contains("only http and https"));
        assert!(check_url("https://user:pw@feeds.example/x").expect_err("refused").contains("credentials"));
        assert!(check_url("not a url").expect_err("refused").contains("is not a URL"));
    }

    #[test]
    fn a_manifest_address_in_misp_format_is_a_whole_feed() {
        let feed = check_url("https://misp.example/feeds/circl/manifest.json").expect("url");
        assert!(is_misp_feed("misp", &feed));
        assert!(!is_misp_feed("stix", &feed));
        let event = check_url("https://misp.example/feeds/circl/5f1a.json").expect("url");
        assert!(!is_misp_feed("misp", &event));
    }
}
