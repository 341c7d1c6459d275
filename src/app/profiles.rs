//! The AWS profiles a user can pull with, read from the shared config files
//! (`$AWS_CONFIG_FILE`, else `~/.aws/config`; `$AWS_SHARED_CREDENTIALS_FILE`, else
//! `~/.aws/credentials`). Only profile names, regions and the kind of credentials are kept:
//! secret values are never read into the result, logged or returned.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::types::AwsProfile;

/// The profiles of the user's AWS config files, by name; `[]` when there are none.
pub fn list() -> Vec<AwsProfile> {
    let home = directories::BaseDirs::new().map(|b| b.home_dir().join(".aws"));
    let file = |var: &str, name: &str| -> Option<PathBuf> {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(name)))
    };
    let read = |p: Option<PathBuf>| p.and_then(|p| std::fs::read_to_string(p).ok());
    parse(
        read(file("AWS_CONFIG_FILE", "config")).as_deref(),
        read(file("AWS_SHARED_CREDENTIALS_FILE", "credentials")).as_deref(),
    )
}

/// Profiles from the text of a config file and a credentials file.
pub fn parse(config: Option<&str>, credentials: Option<&str>) -> Vec<AwsProfile> {
    #[derive(Default)]
    struct P {
        region: Option<String>,
        keys: BTreeMap<String, ()>,
    }
    let mut found: BTreeMap<String, P> = BTreeMap::new();
    for (text, is_config) in [(config, true), (credentials, false)] {
        let Some(text) = text else { continue };
        let mut current: Option<String> = None;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(h) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let h = h.trim();
                // In the config file, profiles are `[default]` or `[profile NAME]`; other
                // sections (`[sso-session X]`, `[services X]`) are not profiles.
                current = if !is_config || h == "default" {
                    Some(h.to_string())
                } else {
                    h.strip_prefix("profile ")
                        .map(|n| n.trim().to_string())
                        .filter(|n| !n.is_empty())
                };
                if let Some(c) = &current {
                    found.entry(c.clone()).or_default();
                }
                continue;
            }
            let (Some(c), Some((k, v))) = (&current, line.split_once('=')) else {
                continue;
            };
            let k = k.trim().to_ascii_lowercase();
            let p = found.entry(c.clone()).or_default();
            if k == "region" {
                p.region = Some(v.trim().to_string()).filter(|r| !r.is_empty());
            } else {
                // Only the key's name is kept, never its value.
                p.keys.insert(k, ());
            }
        }
    }
    found
        .into_iter()
        .map(|(name, p)| {
            let has = |k: &str| p.keys.contains_key(k);
            let kind = if has("sso_session") || has("sso_start_url") {
                "sso"
            } else if has("role_arn") {
                "assume_role"
            } else if has("credential_process") {
                "process"
            } else if has("aws_access_key_id") {
                "keys"
            } else {
                "other"
            };
            AwsProfile {
                name,
                region: p.region,
                kind: kind.to_string(),
            }
        })
        .collect()
}
