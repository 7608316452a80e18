//! X.509 distinguished names for `trustedIdentities` (`x509.subject: C=US, ST=WA, O=…`):
//! RFC 4514 strings read as notation reads them (single-valued RDNs, unique attribute types,
//! `S` as `ST`, C/ST/O required), and a certificate's subject read into the same map.
use std::collections::BTreeMap;
use x509_parser::x509::X509Name;

/// Attribute type → value.
pub type Dn = BTreeMap<String, String>;

/// Splits `s` on unescaped `sep`, keeping escapes in the parts.
fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        let Some(part) = out.last_mut() else { break };
        if c == '\\' {
            part.push(c);
            if let Some(n) = chars.next() {
                part.push(n);
            }
        } else if c == sep {
            out.push(String::new());
        } else {
            part.push(c);
        }
    }
    out
}

/// Unescapes an RFC 4514 attribute value, trimming unescaped surrounding spaces.
fn unescape(v: &str) -> Result<String, String> {
    // Trim unescaped leading spaces and trailing spaces not preceded by a backslash.
    let mut v = v.trim_start();
    while v.ends_with(' ') && !v.ends_with("\\ ") {
        v = &v[..v.len() - 1];
    }
    let mut bytes = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut b = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        match chars.next() {
            Some(h) if h.is_ascii_hexdigit() => {
                let l = chars
                    .next()
                    .filter(char::is_ascii_hexdigit)
                    .ok_or("bad hex escape in a distinguished name")?;
                let byte = u8::from_str_radix(&format!("{h}{l}"), 16)
                    .map_err(|_| "bad hex escape in a distinguished name")?;
                bytes.push(byte);
            }
            Some(e) if " \"#+,;<=>\\".contains(e) => bytes.push(e as u8),
            _ => return Err("bad escape in a distinguished name".into()),
        }
    }
    String::from_utf8(bytes).map_err(|_| "distinguished name value is not UTF-8".into())
}

/// Reads an RFC 4514 DN string by notation's rules.
pub fn parse(name: &str) -> Result<Dn, String> {
    if name.contains("=#") {
        return Err(format!(
            "distinguished name {name:?}: hex-encoded values (\"=#\") are not supported"
        ));
    }
    let mut dn = Dn::new();
    for rdn in split_unescaped(name, ',') {
        if rdn.trim().is_empty() {
            return Err(format!("distinguished name {name:?} has an empty RDN"));
        }
        if split_unescaped(&rdn, '+').len() > 1 {
            return Err(format!(
                "distinguished name {name:?} has a multi-valued RDN, which is not supported"
            ));
        }
        let (t, v) = rdn
            .split_once('=')
            .ok_or_else(|| format!("distinguished name {name:?}: RDN without '='"))?;
        let mut t = t.trim().to_string();
        if t.is_empty()
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(format!("distinguished name {name:?}: bad attribute type"));
        }
        if t == "S" {
            t = "ST".into();
        }
        let v = unescape(v)?;
        if dn.insert(t.clone(), v).is_some() {
            return Err(format!("distinguished name {name:?} repeats attribute {t}"));
        }
    }
    Ok(dn)
}

/// [`parse`], then the mandatory attributes (C, ST or S, O).
pub fn parse_identity(name: &str) -> Result<Dn, String> {
    let dn = parse(name)?;
    for f in ["C", "ST", "O"] {
        if dn.get(f).is_none_or(|v| v.is_empty()) {
            return Err(format!(
                "distinguished name {name:?} lacks {f}: it must contain C, ST (or S) and O"
            ));
        }
    }
    Ok(dn)
}

/// Every attribute of `subset` is in `dn` with the same value.
pub fn is_subset(subset: &Dn, dn: &Dn) -> bool {
    subset.iter().all(|(k, v)| dn.get(k) == Some(v))
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.6" => "C",
        "2.5.4.8" => "ST",
        "2.5.4.7" => "L",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.3" => "CN",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.9" => "STREET",
        "2.5.4.17" => "POSTALCODE",
        _ => return None,
    })
}

/// A certificate subject as a [`Dn`]. Attributes without a short name, multi-valued RDNs and
/// repeated types are refused, as notation (through Go's name string) refuses them.
pub fn from_x509(name: &X509Name<'_>) -> Result<Dn, String> {
    let mut dn = Dn::new();
    for rdn in name.iter_rdn() {
        let attrs: Vec<_> = rdn.iter().collect();
        if attrs.len() != 1 {
            return Err("certificate subject has a multi-valued RDN".into());
        }
        let a = attrs[0];
        let oid = a.attr_type().to_id_string();
        let t = short_name(&oid).ok_or_else(|| {
            format!(
                "certificate subject has attribute {oid}, which trusted identities cannot match"
            )
        })?;
        let v = a
            .as_str()
            .map_err(|_| format!("certificate subject {t} is not a string"))?;
        if dn.insert(t.to_string(), v.to_string()).is_some() {
            return Err(format!("certificate subject repeats attribute {t}"));
        }
    }
    Ok(dn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_notation_style_identities() {
        let d = parse_identity("C=US, ST=WA, L=Seattle, O=Notary, CN=arbor.test").unwrap();
        assert_eq!(d["CN"], "arbor.test");
        assert_eq!(d["ST"], "WA");
        let s = parse_identity("C=US,S=WA,O=Acme").unwrap();
        assert_eq!(s["ST"], "WA", "S is an alias of ST");
        let e = parse(r"C=US, ST=WA, O=Acme\, Inc., CN=\ x\\y\2C").unwrap();
        assert_eq!(e["O"], "Acme, Inc.");
        assert_eq!(e["CN"], r" x\y,");
        assert!(is_subset(&s, &parse("C=US,ST=WA,O=Acme,CN=z").unwrap()));
        assert!(!is_subset(&d, &s));
    }

    #[test]
    fn refuses_what_notation_refuses() {
        assert!(parse_identity("C=US, O=Acme").unwrap_err().contains("ST"));
        assert!(parse("C=US+O=x, ST=WA")
            .unwrap_err()
            .contains("multi-valued"));
        assert!(parse("C=US, C=DE, ST=WA, O=x")
            .unwrap_err()
            .contains("repeats"));
        assert!(parse("C=#1302").unwrap_err().contains("=#"));
        assert!(parse("C=US,,O=x").is_err());
        assert!(parse(r"C=US\").is_err());
        assert!(parse("noequals").is_err());
    }
}
