//! Scan results: SARIF 2.1 and Trivy JSON reports (also as a cosign `vuln` predicate).
use super::{clip, MAX_LISTED};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Findings shown in the "top findings" list.
const TOP_FINDINGS: usize = 20;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScanSummary {
    /// `sarif`, `trivy` or `cosign-vuln`.
    pub format: String,
    pub tools: Vec<String>,
    pub total: usize,
    /// Severity (SARIF level, or Trivy severity) → findings.
    pub by_severity: BTreeMap<String, usize>,
    /// The most severe findings first.
    pub top: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub id: String,
    pub severity: String,
    pub message: String,
}

fn rank(sev: &str) -> u8 {
    match sev.to_ascii_lowercase().as_str() {
        "critical" => 0,
        "high" | "error" => 1,
        "medium" | "warning" => 2,
        "low" | "note" => 3,
        _ => 4,
    }
}

fn finish(format: &str, tools: Vec<String>, all: Vec<Finding>) -> ScanSummary {
    let mut by_severity = BTreeMap::new();
    for f in &all {
        *by_severity.entry(f.severity.clone()).or_insert(0) += 1;
    }
    let total = all.len();
    let mut top = all;
    top.sort_by_key(|f| rank(&f.severity));
    top.truncate(TOP_FINDINGS);
    ScanSummary {
        format: format.into(),
        tools,
        total,
        by_severity,
        top,
    }
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// Decodes a SARIF log: results of every run counted by `level` (default `warning`).
pub fn decode_sarif(bytes: &[u8]) -> Result<ScanSummary, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a SARIF log: {e}"))?;
    let runs = v
        .get("runs")
        .and_then(Value::as_array)
        .ok_or("not a SARIF log: no runs")?;
    let mut tools = Vec::new();
    let mut all = Vec::new();
    for run in runs {
        let driver = run
            .get("tool")
            .and_then(|t| t.get("driver"))
            .unwrap_or(&Value::Null);
        if let Some(n) = s(driver, "name") {
            if tools.len() < MAX_LISTED {
                tools.push(clip(
                    format!("{n} {}", s(driver, "version").unwrap_or("")).trim_end(),
                    120,
                ));
            }
        }
        for r in arr(run.get("results")) {
            all.push(Finding {
                id: clip(s(r, "ruleId").unwrap_or("?"), 120),
                severity: clip(s(r, "level").unwrap_or("warning"), 20),
                message: clip(
                    r.get("message").and_then(|m| s(m, "text")).unwrap_or(""),
                    200,
                ),
            });
        }
    }
    Ok(finish("sarif", tools, all))
}

fn trivy_findings(report: &Value) -> Vec<Finding> {
    let mut all = Vec::new();
    for res in arr(report.get("Results")) {
        for vuln in arr(res.get("Vulnerabilities")) {
            let pkg = format!(
                "{} {}",
                s(vuln, "PkgName").unwrap_or("?"),
                s(vuln, "InstalledVersion").unwrap_or("")
            );
            let fixed = s(vuln, "FixedVersion")
                .map(|f| format!(", fixed in {f}"))
                .unwrap_or_default();
            all.push(Finding {
                id: clip(s(vuln, "VulnerabilityID").unwrap_or("?"), 120),
                severity: clip(s(vuln, "Severity").unwrap_or("UNKNOWN"), 20),
                message: clip(&format!("{}{fixed}", pkg.trim_end()), 200),
            });
        }
        for m in arr(res.get("Misconfigurations")) {
            all.push(Finding {
                id: clip(s(m, "ID").unwrap_or("?"), 120),
                severity: clip(s(m, "Severity").unwrap_or("UNKNOWN"), 20),
                message: clip(s(m, "Title").unwrap_or(""), 200),
            });
        }
    }
    all
}

/// Decodes a Trivy JSON report (`trivy image --format json`).
pub fn decode_trivy(bytes: &[u8]) -> Result<ScanSummary, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a Trivy report: {e}"))?;
    if v.get("Results").is_none() {
        return Err("not a Trivy report: no Results".into());
    }
    Ok(finish("trivy", vec!["trivy".into()], trivy_findings(&v)))
}

/// Reads a cosign `vuln` predicate (`scanner.result` holds the scanner's own report).
pub fn from_cosign_vuln(predicate: &Value) -> Option<ScanSummary> {
    let scanner = predicate.get("scanner")?;
    let tool = format!(
        "{} {}",
        s(scanner, "uri").unwrap_or("?"),
        s(scanner, "version").unwrap_or("")
    );
    let result = scanner.get("result").unwrap_or(&Value::Null);
    Some(finish(
        "cosign-vuln",
        vec![clip(tool.trim_end(), 120)],
        trivy_findings(result),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_counts_by_level() {
        let s = decode_sarif(include_bytes!(
            "../../tests/fixtures/inspect/scan.sarif.json"
        ))
        .unwrap();
        assert_eq!(s.tools, vec!["Trivy 0.50.1"]);
        assert_eq!(s.total, 3);
        assert_eq!(s.by_severity.get("error"), Some(&2));
        assert_eq!(s.by_severity.get("note"), Some(&1));
        assert_eq!(s.top[0].severity, "error");
    }

    #[test]
    fn trivy_counts_by_severity_most_severe_first() {
        let s = decode_trivy(include_bytes!("../../tests/fixtures/inspect/trivy.json")).unwrap();
        assert_eq!(s.total, 3);
        assert_eq!(s.by_severity.get("CRITICAL"), Some(&1));
        assert_eq!(s.top[0].id, "CVE-2024-0002");
        assert!(
            s.top[0].message.contains("fixed in 3.0.14"),
            "{}",
            s.top[0].message
        );
    }

    #[test]
    fn malformed_scans_give_a_message() {
        assert!(decode_sarif(b"{}").unwrap_err().contains("no runs"));
        assert!(decode_sarif(b"{\"runs\":").is_err());
        assert!(decode_trivy(b"[]").unwrap_err().contains("no Results"));
        let odd = decode_sarif(
            br#"{"version":"2.1.0","runs":[{"tool":7,"results":[{"level":5,"message":[]}]}]}"#,
        )
        .unwrap();
        assert_eq!(odd.total, 1);
    }
}
