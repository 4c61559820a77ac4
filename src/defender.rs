//! Defender XDR's built-in functions, computed from local tables as their docs
//! describe them (learn.microsoft.com, "advanced hunting" function pages):
//!
//! - `AssignedIPAddresses(x, y)`: the latest IP addresses of device `x` (its
//!   `DeviceId` or `DeviceName`), at time `y` when given: from `DeviceNetworkInfo`, the
//!   last report of each network adapter at or before `y`, one row per address;
//! - `invoke DeviceFromIP([y])`: for each `IP` of the input, the devices whose latest
//!   report (at or before `y`) lists it: columns `IP`, `DeviceId`;
//! - `invoke FileProfile(x, y)`: the input with the file's profile added, keyed by hash
//!   column `x` (`SHA1` by default; `SHA256`, `MD5`, `InitiatingProcessSHA1`,
//!   `InitiatingProcessSHA256`), for the first `y` rows (100 by default, 1 to 1000),
//!   read from a local `FileProfile` table; `ProfileAvailability` is `Available`,
//!   `Missing` (no row for the hash) or empty (no hash, or past the first `y` rows);
//! - `invoke SeenBy()`: typed (`DeviceId`), not run: device discovery's data is in no
//!   table.
//!
//! They exist where the catalog's product has them (see [`crate::table::Product`]:
//! `--product defender`, or a library catalog's default, both): Sentinel does not know
//! them (KS211). Tables report their time as `Timestamp` in
//! Defender and `TimeGenerated` in Sentinel; the definitions read either.

use crate::stored::StoredFunction;
use crate::types::Type;
use std::sync::OnceLock;

/// Where the built-ins come from, as errors name it.
pub const ORIGIN: &str = "Defender XDR built-in";

/// The functions written in KQL (FileProfile is the binder's: its first argument names
/// a column).
const DEFINITIONS: &str = r#"
let AssignedIPAddresses = (x:string, y:datetime = datetime(null)) {
    DeviceNetworkInfo
    | extend __ts = column_ifexists("Timestamp", column_ifexists("TimeGenerated", datetime(null)))
    | where DeviceId == x or DeviceName =~ x
    | where isnull(y) or __ts <= y
    | summarize arg_max(__ts, IPAddresses, NetworkAdapterType, ConnectedNetworks) by NetworkAdapterName
    | mv-expand __ip = IPAddresses
    | project Timestamp = __ts, IPAddress = tostring(__ip.IPAddress), IPType = tostring(__ip.AddressType), NetworkAdapterType, ConnectedNetworks
};
let DeviceFromIP = (T:(IP:string), y:datetime = datetime(null)) {
    let Assigned = DeviceNetworkInfo
        | extend __ts = column_ifexists("Timestamp", column_ifexists("TimeGenerated", datetime(null)))
        | where isnull(y) or __ts <= y
        | summarize arg_max(__ts, IPAddresses) by DeviceId, NetworkAdapterName
        | mv-expand __ip = IPAddresses
        | distinct __addr = tostring(__ip.IPAddress), DeviceId;
    T
    | distinct IP
    | join kind=inner Assigned on $left.IP == $right.__addr
    | project IP, DeviceId
};
"#;

/// `SeenBy` has a signature only: running it fails, naming [`ORIGIN`].
const SIGNATURES: &str = r#"{"FunctionName": "SeenBy", "FunctionParameters": [],
  "FunctionResultColumns": [{"Name": "DeviceId", "Type": "string"}]}"#;

/// Defender XDR's built-in functions written in KQL, parsed once.
pub fn builtins() -> &'static [std::sync::Arc<StoredFunction>] {
    static ALL: OnceLock<Vec<std::sync::Arc<StoredFunction>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = crate::stored::from_kql(ORIGIN, DEFINITIONS)
            .expect("the built-in definitions parse (tested)");
        let mut seen_by = crate::stored::from_signature_json(ORIGIN, SIGNATURES)
            .expect("the built-in signatures parse (tested)");
        // `invoke SeenBy()` passes its input: the signature takes it.
        for f in &mut seen_by {
            f.def.params.insert(0, tabular_param(f.def.span));
        }
        out.extend(seen_by);
        out.into_iter().map(std::sync::Arc::new).collect()
    })
}

fn tabular_param(span: crate::error::Span) -> crate::ast::Param {
    crate::ast::Param {
        name: crate::ast::Ident {
            name: "T".to_string(),
            span,
        },
        ty: crate::ast::ParamType::Tabular {
            columns: Vec::new(),
            open: true,
        },
        default: None,
        span,
    }
}

/// The columns `FileProfile` adds, with their documented types.
pub const PROFILE_COLUMNS: &[(&str, Type)] = &[
    ("SHA1", Type::String),
    ("SHA256", Type::String),
    ("MD5", Type::String),
    ("FileSize", Type::Int),
    ("GlobalPrevalence", Type::Int),
    ("GlobalFirstSeen", Type::DateTime),
    ("GlobalLastSeen", Type::DateTime),
    ("Signer", Type::String),
    ("Issuer", Type::String),
    ("SignerHash", Type::String),
    ("IsCertificateValid", Type::Bool),
    ("IsRootSignerMicrosoft", Type::Bool),
    ("SignatureState", Type::String),
    ("IsExecutable", Type::Bool),
    ("ThreatName", Type::String),
    ("Publisher", Type::String),
    ("SoftwareName", Type::String),
    ("ProfileAvailability", Type::String),
];

/// The `FileProfile` column a hash column of the input is looked up by.
pub fn profile_key(column: &str) -> Option<&'static str> {
    Some(match column {
        "SHA1" | "InitiatingProcessSHA1" => "SHA1",
        "SHA256" | "InitiatingProcessSHA256" => "SHA256",
        "MD5" | "InitiatingProcessMD5" => "MD5",
        _ => return None,
    })
}

/// The KQL of `T | invoke FileProfile(column, limit)` over a local `FileProfile`
/// table, given the names of the input's columns (the profile adds the others).
pub fn file_profile_query(input: &[String], column: &str, limit: i64) -> Option<String> {
    let key = profile_key(column)?;
    let added: Vec<(&str, Type)> = PROFILE_COLUMNS
        .iter()
        .filter(|(c, _)| *c != "ProfileAvailability" && !input.iter().any(|i| i == c))
        .copied()
        .collect();
    // A local table may lack documented columns: each is read if present.
    let fill: Vec<String> = PROFILE_COLUMNS[..PROFILE_COLUMNS.len() - 1]
        .iter()
        .map(|(c, t)| match t {
            Type::String => format!("{c} = tostring(column_ifexists('{c}', ''))"),
            Type::Int => format!("{c} = toint(column_ifexists('{c}', int(null)))"),
            t => format!("{c} = column_ifexists('{c}', {}(null))", t.name()),
        })
        .collect();
    let picked: Vec<&str> = added.iter().map(|(c, _)| *c).collect();
    let profile = format!(
        "FileProfile | extend {} | where isnotempty({key}) | extend __fp_seen = GlobalLastSeen \
         | summarize arg_max(__fp_seen{}) by __fp_key = tolower({key}) \
         | project-away __fp_seen | extend __fp_found = true",
        fill.join(", "),
        picked.iter().map(|c| format!(", {c}")).collect::<String>()
    );
    // The input's own column of that name gives way to the function's.
    let head = if input.iter().any(|c| c == "ProfileAvailability") {
        "T | project-away ProfileAvailability"
    } else {
        "T"
    };
    Some(format!(
        "{head} | serialize __fp_n = row_number() \
         | extend __fp_key = iff(__fp_n <= {limit}, tolower(tostring({column})), '') \
         | lookup kind=leftouter ({profile}) on __fp_key \
         | extend ProfileAvailability = case(isempty(__fp_key), '', __fp_found == true, 'Available', 'Missing') \
         | project-away __fp_n, __fp_key, __fp_found"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_builtins_parse() {
        let names: Vec<&str> = super::builtins().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["AssignedIPAddresses", "DeviceFromIP", "SeenBy"]);
    }
}
