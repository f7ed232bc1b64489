//! `${VAR}` references: values taken from the environment.
//!
//! Any string in the rules may hold `${NAME}` references (`NAME` is letters,
//! digits and `_`, not starting with a digit); `$$` writes a literal `$`.
//! The environment is injected as a function so tests never touch the
//! process environment.

/// A problem with a `${VAR}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvError {
    /// `${NAME}` names a variable that is not set.
    Unset(String),
    /// A `${` without its `}` or with an invalid name.
    Malformed(String),
}

/// Replaces every `${NAME}` in `text` with the variable's value.
pub fn expand(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, EnvError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let Some(end) = tail.find('}') else {
                return Err(EnvError::Malformed(format!(
                    "`${{` without a closing `}}` in `{text}`"
                )));
            };
            let name = &tail[..end];
            if !is_var_name(name) {
                return Err(EnvError::Malformed(format!(
                    "`${{{name}}}` is not a valid variable reference (names are letters, digits and `_`)"
                )));
            }
            match env(name) {
                Some(v) => out.push_str(&v),
                None => return Err(EnvError::Unset(name.to_string())),
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The variable name when `text` is exactly one `${NAME}` reference.
pub fn sole_reference(text: &str) -> Option<&str> {
    let name = text.trim().strip_prefix("${")?.strip_suffix('}')?;
    is_var_name(name).then_some(name)
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "HOST").then(|| "shop.example.com".to_string())
    }

    #[test]
    fn expands_references() {
        assert_eq!(
            expand("https://${HOST}/x", &env).unwrap(),
            "https://shop.example.com/x"
        );
        assert_eq!(expand("cost $$5 $x", &env).unwrap(), "cost $5 $x");
        assert_eq!(expand("${NOPE}", &env), Err(EnvError::Unset("NOPE".into())));
        assert!(matches!(
            expand("${HOST", &env),
            Err(EnvError::Malformed(_))
        ));
        assert!(matches!(expand("${1X}", &env), Err(EnvError::Malformed(_))));
    }

    #[test]
    fn sole_reference_only_matches_one_whole_reference() {
        assert_eq!(sole_reference("${SHOP_KEY}"), Some("SHOP_KEY"));
        assert_eq!(sole_reference("ck_${SHOP_KEY}"), None);
        assert_eq!(sole_reference("ck_123"), None);
    }
}
