//! Secrets named by reference (`env:NAME` or `file:/path`), read when needed: vendor keys and
//! collector tokens stay out of the database and its backups.

/// Checks a reference's form (not whether the secret is there: it may be provided later).
pub fn check_reference(reference: &str) -> Result<(), String> {
    match reference.split_once(':') {
        Some(("env", name)) if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Ok(())
        }
        Some(("file", path)) if path.starts_with('/') => Ok(()),
        _ => Err(format!("{reference:?} is neither env:NAME nor file:/absolute/path")),
    }
}

/// Reads the secret a reference names; the error says which is missing, never its value.
pub fn resolve(reference: &str) -> Result<String, String> {
    check_reference(reference)?;
    let value = match reference.split_once(':') {
        Some(("env", name)) => std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))?,
        Some(("file", path)) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?,
        _ => return Err(format!("{reference:?} is neither env:NAME nor file:/absolute/path")),
    };
    let value = value.trim().to_owned();
    if value.is_empty() { Err(format!("{reference} is empty")) } else { Ok(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_env_or_absolute_files() {
        assert!(check_reference("env:PANOS_KEY").is_ok());
        assert!(check_reference("file:/etc/riposte/panos.key").is_ok());
        assert!(check_reference("env:BAD-NAME").is_err());
        assert!(check_reference("file:relative").is_err());
        assert!(check_reference("s3cret").is_err());
        let error = resolve("env:RIPOSTE_TEST_SURELY_UNSET").expect_err("unset");
        assert!(error.contains("RIPOSTE_TEST_SURELY_UNSET"));
        let path = std::env::temp_dir().join(format!("riposte-secret-{}", std::process::id()));
        std::fs::write(&path, "  k3y\n").expect("write");
        assert_eq!(resolve(&format!("file:{}", path.display())), Ok("k3y".into()));
        std::fs::remove_file(path).ok();
    }
}
