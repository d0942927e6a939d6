//! ArcSight CEF: `CEF:Version|Vendor|Product|Version|Signature ID|Name|Severity|Extension`.
//! Header fields escape `\|` and `\\`; extension values escape `\=`, `\\`, `\n`, `\r`, and a
//! value runs until the next ` key=`. Severity is 0-10 or Low/Medium/High/Very-High.

use std::collections::BTreeMap;

use riposte_domain::alert::{DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity, content_dedup_key};

/// A parsed CEF record, before it becomes an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CefRecord {
    pub version: String,
    pub vendor: String,
    pub product: String,
    pub product_version: String,
    pub signature_id: String,
    pub name: String,
    pub severity: String,
    pub extension: BTreeMap<String, String>,
}

/// Parses the CEF part of a message (from `CEF:`).
pub fn parse_cef(text: &str) -> Result<CefRecord, String> {
    let start = text.find("CEF:").ok_or("not a CEF record (no \"CEF:\")")?;
    let body = &text[start + 4..];
    let mut fields = Vec::with_capacity(8);
    let mut current = String::new();
    let mut chars = body.char_indices();
    let mut extension_at = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped @ ('|' | '\\'))) => current.push(escaped),
                Some((_, other)) => {
                    current.push('\\');
                    current.push(other);
                }
                None => current.push('\\'),
            },
            '|' => {
                fields.push(std::mem::take(&mut current));
                if fields.len() == 7 {
                    extension_at = Some(i + 1);
                    break;
                }
            }
            c => current.push(c),
        }
    }
    let extension_at = extension_at.ok_or_else(|| format!("a CEF header has 7 fields; found {}", fields.len() + 1))?;
    let mut fields = fields.into_iter();
    let mut next = || fields.next().unwrap_or_default().trim().to_owned();
    let record = CefRecord {
        version: next(),
        vendor: next(),
        product: next(),
        product_version: next(),
        signature_id: next(),
        name: next(),
        severity: next(),
        extension: parse_extension(&body[extension_at..]),
    };
    if record.name.is_empty() && record.signature_id.is_empty() {
        return Err("a CEF record needs a Name or a Signature ID".into());
    }
    Ok(record)
}

/// `key=value key2=value with spaces` with CEF's escapes.
fn parse_extension(text: &str) -> BTreeMap<String, String> {
    let mut pairs = BTreeMap::new();
    // Positions of unescaped `=` preceded by a key token.
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' => {
                // Pairs are separated by ASCII spaces (so `p + 1` is a character boundary).
                let key_start = text[..i].rfind(|c: char| c.is_ascii_whitespace()).map(|p| p + 1).unwrap_or(0);
                let key = &text[key_start..i];
                if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.[]-".contains(&b)) {
                    keys.push((key_start, i));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    for (n, &(key_start, eq)) in keys.iter().enumerate() {
        let value_end = keys.get(n + 1).map(|&(next_key, _)| next_key).unwrap_or(text.len());
        let raw_value = text[eq + 1..value_end].trim_end();
        pairs.insert(text[key_start..eq].to_owned(), unescape_value(raw_value));
    }
    pairs
}

fn unescape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// CEF severity: a number 0-10 or a word.
pub fn cef_severity(text: &str) -> Severity {
    match text.trim().parse::<i64>() {
        Ok(level) => Severity::from_cef(level),
        Err(_) => match text.trim().to_ascii_lowercase().as_str() {
            "very-high" | "very high" | "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            _ => Severity::Informational,
        },
    }
}

/// A CEF record as an alert. `raw` is the whole message as received.
pub fn cef_alert(record: &CefRecord, raw: &str, source: &str, fallback_time_ms: Option<i64>) -> NewAlert {
    let ext = |key: &str| record.extension.get(key).map(String::as_str);
    let src = Some(EntityRole::Source);
    let dst = Some(EntityRole::Destination);
    let candidates = [
        (EntityKind::Ip, ext("src"), src),
        (EntityKind::Ip, ext("dst"), dst),
        (EntityKind::Port, ext("spt"), src),
        (EntityKind::Port, ext("dpt"), dst),
        (EntityKind::Protocol, ext("proto"), None),
        (EntityKind::Host, ext("shost"), src),
        (EntityKind::Host, ext("dhost"), dst),
        (EntityKind::User, ext("suser"), src),
        (EntityKind::User, ext("duser"), dst),
        (EntityKind::Url, ext("request"), None),
        (EntityKind::File, ext("fname"), None),
        (EntityKind::Hash, ext("fileHash"), None),
        (EntityKind::Process, ext("sproc").or(ext("dproc")), None),
    ];
    let mut entities: Vec<Entity> =
        candidates.into_iter().filter_map(|(kind, value, role)| Entity::new(kind, value?, role)).collect();
    entities.sort();
    entities.dedup();
    let event_time_ms = ext("rt").or(ext("end")).and_then(|t| t.trim().parse::<i64>().ok()).or(fallback_time_ms);
    let external_id = ext("externalId").map(str::to_owned);
    let dedup_key = match &external_id {
        Some(id) => DedupKey::from_parts(&[("vendor", &record.vendor), ("product", &record.product), ("id", id)]),
        None => content_dedup_key(&[raw]),
    };
    let title = if record.name.is_empty() {
        format!("{} signature {}", record.product, record.signature_id)
    } else {
        record.name.clone()
    };
    let description = [
        Some(format!("{} {} (signature {})", record.vendor, record.product, record.signature_id)),
        ext("act").map(|a| format!("action: {a}")),
        ext("cat").map(|c| format!("category: {c}")),
        ext("msg").map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let mut tags = vec!["cef".to_owned()];
    if !record.vendor.is_empty() {
        tags.push(record.vendor.to_ascii_lowercase());
    }
    NewAlert {
        source: source.to_owned(),
        source_ref: external_id,
        flow_id: None,
        title,
        description,
        severity: cef_severity(&record.severity),
        event_time_ms,
        entities,
        attack_techniques: Vec::new(),
        tags,
        dedup_key,
        raw: raw.to_owned(),
        unmapped: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_extension_with_escapes() {
        let line = r"CEF:0|Check Point|VPN-1 & FireWall-1|R81|Anti Bot|Pipe \| in name|8|src=10.0.0.5 dst=203.0.113.9 spt=51234 dpt=443 msg=a = sign\= and spaces act=Block suser=CORP\\alice cs1Label=Protection Name cs1=Trojan.Win32.Agent";
        let record = parse_cef(line).expect("parses");
        assert_eq!(record.vendor, "Check Point");
        assert_eq!(record.name, "Pipe | in name");
        assert_eq!(record.extension["msg"], "a = sign= and spaces");
        assert_eq!(record.extension["suser"], r"CORP\alice");
        assert_eq!(record.extension["cs1"], "Trojan.Win32.Agent");
        assert_eq!(record.extension["cs1Label"], "Protection Name");
        let alert = cef_alert(&record, line, "cef", None);
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.entities.iter().any(|e| e.kind == EntityKind::Ip && e.value == "203.0.113.9"));
        assert!(alert.entities.iter().any(|e| e.kind == EntityKind::User && e.value == r"CORP\alice"));
    }

    #[test]
    fn word_severities_and_external_ids() {
        let line = "CEF:0|Trend Micro|Deep Security Agent|20|4000000|Eicar_test_file|Very-High|externalId=77 rt=1795341600000 fname=eicar.com";
        let record = parse_cef(line).expect("parses");
        let alert = cef_alert(&record, line, "cef", None);
        assert_eq!(alert.severity, Severity::Critical);
        assert_eq!(alert.event_time_ms, Some(1_795_341_600_000));
        assert_eq!(alert.dedup_key.0, "vendor=Trend Micro|product=Deep Security Agent|id=77");
    }

    #[test]
    fn short_headers_are_named() {
        assert!(parse_cef("CEF:0|a|b|c").expect_err("short").contains("7 fields"));
        assert!(parse_cef("hello").expect_err("not cef").contains("CEF:"));
    }
}
