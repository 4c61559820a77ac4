//! Defender XDR's built-in functions from local tables (`src/defender.rs`): each
//! result computed by the rule its doc page gives, on rows written here.

mod exec_common;
use exec_common::{run, test_now};
use kql::table::Product;
use kql::Catalog;

const NETWORK_INFO: &str = r#"[
 {"Timestamp": "2026-05-01T00:00:00Z", "DeviceId": "d1", "DeviceName": "host1", "NetworkAdapterName": "eth0", "NetworkAdapterType": "Ethernet", "IPAddresses": [{"IPAddress": "10.0.0.5", "SubnetPrefix": 24, "AddressType": "Private"}], "ConnectedNetworks": []},
 {"Timestamp": "2026-05-03T00:00:00Z", "DeviceId": "d1", "DeviceName": "host1", "NetworkAdapterName": "eth0", "NetworkAdapterType": "Ethernet", "IPAddresses": [{"IPAddress": "10.0.0.6", "SubnetPrefix": 24, "AddressType": "Private"}, {"IPAddress": "203.0.113.9", "SubnetPrefix": 24, "AddressType": "Public"}], "ConnectedNetworks": [{"Name": "corp"}]},
 {"Timestamp": "2026-05-02T00:00:00Z", "DeviceId": "d2", "DeviceName": "host2", "NetworkAdapterName": "wifi", "NetworkAdapterType": "Wireless80211", "IPAddresses": [{"IPAddress": "10.0.0.5", "SubnetPrefix": 24, "AddressType": "Private"}], "ConnectedNetworks": []}
]"#;

const PROFILES: &str = r#"[
 {"SHA1": "AAA", "SHA256": "s256a", "MD5": "m1", "FileSize": 100, "GlobalPrevalence": 5, "GlobalLastSeen": "2026-05-01T00:00:00Z", "Signer": "Contoso", "IsExecutable": true},
 {"SHA1": "aaa", "SHA256": "s256a", "GlobalPrevalence": 6, "GlobalLastSeen": "2026-05-04T00:00:00Z", "Signer": "Contoso Ltd"},
 {"SHA1": "bbb", "SHA256": "s256b", "GlobalPrevalence": 90000, "GlobalLastSeen": "2026-05-02T00:00:00Z"}
]"#;

fn catalog(product: Product) -> Catalog {
    let mut c = Catalog::new();
    for (name, rows) in [
        ("DeviceNetworkInfo", NETWORK_INFO),
        ("FileProfile", PROFILES),
    ] {
        let t = kql::io::load_table_text(rows, &format!("{name}.json"), None).unwrap();
        c.add_table(name, t);
    }
    c.set_product(product);
    c
}

fn cases(product: Product, rows: &[(&str, &str)]) {
    let c = catalog(product);
    let _ = test_now();
    let failed: Vec<String> = rows
        .iter()
        .filter_map(|(q, want)| {
            let got = run(q, &c);
            (got != *want).then(|| format!("query: {q}\nwant:  {want}\ngot:   {got}"))
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[test]
fn assigned_ip_addresses_reads_the_latest_report_of_each_adapter() {
    cases(
        Product::Both,
        &[
            // Latest: the 3 May report of eth0, one row per address.
            (
                "AssignedIPAddresses('host1') | project Timestamp, IPAddress, IPType, NetworkAdapterType",
                "Timestamp:datetime, IPAddress:string, IPType:string, NetworkAdapterType:string\n2026-05-03T00:00:00Z|10.0.0.6|Private|Ethernet\n2026-05-03T00:00:00Z|203.0.113.9|Public|Ethernet",
            ),
            // At a time: the report in force then; by DeviceId too.
            (
                "AssignedIPAddresses('d1', datetime(2026-05-02)) | project IPAddress",
                "IPAddress:string\n10.0.0.5",
            ),
            ("AssignedIPAddresses('nobody') | count", "Count:long\n0"),
        ],
    );
}

#[test]
fn device_from_ip_finds_the_devices_whose_latest_report_lists_it() {
    cases(
        Product::Both,
        &[
            (
                "datatable(IP:string)['10.0.0.5', '10.0.0.6', '1.2.3.4'] | invoke DeviceFromIP() | order by IP asc, DeviceId asc",
                "IP:string, DeviceId:string\n10.0.0.5|d2\n10.0.0.6|d1",
            ),
            // On 2 May, d1 still had 10.0.0.5.
            (
                "datatable(IP:string)['10.0.0.5'] | invoke DeviceFromIP(datetime(2026-05-02)) | order by DeviceId asc",
                "IP:string, DeviceId:string\n10.0.0.5|d1\n10.0.0.5|d2",
            ),
        ],
    );
}

#[test]
fn file_profile_adds_the_documented_columns_by_the_chosen_hash() {
    let files = "datatable(FileName:string, SHA1:string, SHA256:string) ['a.exe', 'aaa', 's256a', 'b.dll', 'BBB', '', 'c.txt', 'ccc', 'zzz', 'd.txt', '', 'zzz']";
    cases(
        Product::Both,
        &[
            // By SHA1 (the default), case-insensitively; the latest profile of a hash.
            (
                &format!("{files} | invoke FileProfile() | project FileName, GlobalPrevalence, Signer, ProfileAvailability"),
                "FileName:string, GlobalPrevalence:int, Signer:string, ProfileAvailability:string\na.exe|6|Contoso Ltd|Available\nb.dll|90000||Available\nc.txt|null||Missing\nd.txt|null||",
            ),
            // By SHA256, the first 2 rows only; the profile's SHA1 is added.
            (
                &format!("{files} | project FileName, SHA256 | invoke FileProfile('SHA256', 2) | project FileName, SHA1, ProfileAvailability"),
                "FileName:string, SHA1:string, ProfileAvailability:string\na.exe|aaa|Available\nb.dll||\nc.txt||\nd.txt||",
            ),
            (
                &format!("{files} | invoke FileProfile(SHA1, 1000) | where GlobalPrevalence < 15 | project FileName"),
                "FileName:string\na.exe",
            ),
            (
                &format!("{files} | invoke FileProfile(FileName)"),
                "error: `FileProfile` looks files up by `SHA1`, `SHA256`, `MD5`, `InitiatingProcessSHA1` or `InitiatingProcessSHA256`, not `FileName`",
            ),
            (
                "print x = 1 | invoke FileProfile()",
                "error: `FileProfile`: the input has no column `SHA1`",
            ),
            (
                "print SHA1 = 'x' | invoke SeenBy()",
                "error: `SeenBy` is known only by its signature (Defender XDR built-in): kql cannot run it",
            ),
        ],
    );
}

#[test]
fn sentinel_does_not_know_them() {
    cases(
        Product::Sentinel,
        &[
            (
                "print SHA1 = 'aaa' | invoke FileProfile()",
                "error: unknown function `FileProfile`",
            ),
            (
                "AssignedIPAddresses('host1')",
                "error: unknown function `AssignedIPAddresses`",
            ),
        ],
    );
    // A table's own function of the same name wins over the built-in.
    cases(
        Product::Both,
        &[(
            "let AssignedIPAddresses = (x:string) { print mine = x }; AssignedIPAddresses('h')",
            "mine:string\nh",
        )],
    );
}
