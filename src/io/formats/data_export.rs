//! Log Analytics data export to a storage account: one container per table, named
//! `am-<table>` in lower case, holding blobs
//! `WorkspaceResourceId=/subscriptions/.../y=YYYY/m=MM/d=DD/h=HH/m=mm/PT05M.json` (a
//! folder per 5 minutes; past a blob's 50,000 appends, `PT05M_1.json`, `PT05M_2.json`,
//! ...) of JSON lines (CRLF line ends possible) with the table's columns (Azure Monitor
//! docs, azure-monitor/logs/logs-data-export, "Storage account"). The records are read by [`super::json`];
//! what is particular is where the table's name comes from: the container folder,
//! matched to the known tables in any letter case. Every blob under the container is
//! part of the table, in path order (which is time order).

/// The table a container folder holds: `am-<table>` matched in any letter case to
/// one of `known` (else as written); `None` when the folder is not a container.
pub fn table_of_container<'a>(
    folder: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let table = folder
        .strip_prefix("am-")
        .or_else(|| folder.strip_prefix("AM-"))?;
    if table.is_empty() {
        return None;
    }
    Some(
        known
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(table))
            .unwrap_or(table)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_name_known_tables_in_any_case() {
        let known = ["SigninLogs", "AADNonInteractiveUserSignInLogs"];
        assert_eq!(
            table_of_container("am-signinlogs", known).as_deref(),
            Some("SigninLogs")
        );
        assert_eq!(
            table_of_container("am-aadnoninteractiveusersigninlogs", known).as_deref(),
            Some("AADNonInteractiveUserSignInLogs")
        );
        assert_eq!(
            table_of_container("am-mytable_cl", known).as_deref(),
            Some("mytable_cl")
        );
        assert_eq!(table_of_container("expected", known), None);
        assert_eq!(table_of_container("am-", known), None);
    }
}
