//! Tab through known values in a dialog field (artifact types, destinations).

/// Tab in a field with known values: the next of `known` containing what was typed before the
/// first tab (`prefix`, kept between tabs) goes into `text`; all of them are returned.
pub fn cycle(text: &mut String, prefix: &mut Option<String>, known: &[String]) -> Vec<String> {
    let prefix = prefix.get_or_insert_with(|| text.clone()).to_lowercase();
    let matches: Vec<String> = known
        .iter()
        .filter(|t| t.to_lowercase().contains(&prefix))
        .cloned()
        .collect();
    let next = matches
        .iter()
        .position(|t| t == text)
        .map(|i| (i + 1) % matches.len())
        .unwrap_or(0);
    if let Some(t) = matches.get(next) {
        *text = t.clone();
    }
    matches
}
