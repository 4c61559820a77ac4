//! `geo_info_from_ip_address` with `--geoip`: a MaxMind DB built here (the format of
//! the MaxMind DB spec, IPv4 networks under `::/96` as GeoLite2 stores them) and a CSV.
//! Expected bags: the docs' keys (country, state, city, latitude, longitude).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A value of the MaxMind DB data format.
enum V {
    Str(&'static str),
    F64(f64),
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(&'static str, V)>),
    Arr(Vec<V>),
}

fn control(out: &mut Vec<u8>, ty: u8, size: usize) {
    let (bits, extra): (u8, Vec<u8>) = if size < 29 {
        (size as u8, vec![])
    } else if size < 285 {
        (29, vec![(size - 29) as u8])
    } else {
        let n = size - 285;
        (30, vec![(n >> 8) as u8, n as u8])
    };
    if ty <= 7 {
        out.push((ty << 5) | bits);
    } else {
        out.push(bits);
        out.push(ty - 7);
    }
    out.extend(extra);
}

fn uint(out: &mut Vec<u8>, ty: u8, v: u64) {
    let bytes: Vec<u8> = v
        .to_be_bytes()
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    control(out, ty, bytes.len());
    out.extend(bytes);
}

fn encode(out: &mut Vec<u8>, v: &V) {
    match v {
        V::Str(s) => {
            control(out, 2, s.len());
            out.extend(s.as_bytes());
        }
        V::F64(f) => {
            control(out, 3, 8);
            out.extend(f.to_be_bytes());
        }
        V::U16(n) => uint(out, 5, u64::from(*n)),
        V::U32(n) => uint(out, 6, u64::from(*n)),
        V::U64(n) => uint(out, 9, *n),
        V::Map(pairs) => {
            control(out, 7, pairs.len());
            for (k, v) in pairs {
                encode(out, &V::Str(k));
                encode(out, v);
            }
        }
        V::Arr(items) => {
            control(out, 11, items.len());
            for i in items {
                encode(out, i);
            }
        }
    }
}

fn city(country: &'static str, state: &'static str, city: &'static str, lat: f64, lon: f64) -> V {
    let names = |n: &'static str| V::Map(vec![("names", V::Map(vec![("en", V::Str(n))]))]);
    V::Map(vec![
        ("city", names(city)),
        ("country", names(country)),
        (
            "location",
            V::Map(vec![("latitude", V::F64(lat)), ("longitude", V::F64(lon))]),
        ),
        ("subdivisions", V::Arr(vec![names(state)])),
    ])
}

/// A record of the search tree.
#[derive(Clone, Copy)]
enum Rec {
    Empty,
    Node(usize),
    Data(usize),
}

/// An IPv6 MaxMind DB (24-bit records) holding `nets`: (address bits, prefix, record).
fn mmdb(nets: &[(u128, u8, V)]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut tree: Vec<[Rec; 2]> = vec![[Rec::Empty; 2]];
    for (addr, len, value) in nets {
        let offset = data.len();
        encode(&mut data, value);
        let mut node = 0;
        for i in 0..*len {
            let bit = ((addr >> (127 - i)) & 1) as usize;
            if i + 1 == *len {
                tree[node][bit] = Rec::Data(offset);
            } else {
                node = match tree[node][bit] {
                    Rec::Node(n) => n,
                    _ => {
                        tree.push([Rec::Empty; 2]);
                        let n = tree.len() - 1;
                        tree[node][bit] = Rec::Node(n);
                        n
                    }
                };
            }
        }
    }
    let count = tree.len();
    let mut out = Vec::new();
    for node in &tree {
        for r in node {
            let v = match *r {
                Rec::Empty => count,
                Rec::Node(n) => n,
                Rec::Data(off) => count + 16 + off,
            };
            out.extend(&(v as u32).to_be_bytes()[1..]);
        }
    }
    out.extend([0u8; 16]);
    out.extend(data);
    out.extend(b"\xAB\xCD\xEFMaxMind.com");
    let meta = V::Map(vec![
        ("binary_format_major_version", V::U16(2)),
        ("binary_format_minor_version", V::U16(0)),
        ("build_epoch", V::U64(1_700_000_000)),
        ("database_type", V::Str("GeoLite2-City")),
        (
            "description",
            V::Map(vec![("en", V::Str("kql test database"))]),
        ),
        ("ip_version", V::U16(6)),
        ("languages", V::Arr(vec![V::Str("en")])),
        ("node_count", V::U32(count as u32)),
        ("record_size", V::U16(24)),
    ]);
    encode(&mut out, &meta);
    out
}

/// An IPv4 network as GeoLite2 stores it: `::a.b.c.d/(96 + len)`.
fn v4(a: [u8; 4], len: u8) -> (u128, u8) {
    (u128::from(u32::from_be_bytes(a)), 96 + len)
}

fn run(dir: &Path, args: &[&str], query: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(["run", "-", "--format", "json"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kql");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(query.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kql-geoip-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const QUERY: &str = "datatable(ip:string) ['20.53.203.50', '2a03:2880:f12c:83:face:b00c::25de', '192.0.2.1', 'nope'] | extend g = geo_info_from_ip_address(ip) | project ip, g, country = tostring(g.country)";

/// The rows of a `--format json` result.
fn rows(out: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(out).expect(out);
    v["rows"].as_array().unwrap().clone()
}

fn expected() -> Vec<serde_json::Value> {
    // The docs' two examples; 192.0.2.1 is not in the database (an empty bag); `nope`
    // is not an address (null).
    serde_json::from_str(r#"[
        ["20.53.203.50", {"country": "Australia", "state": "New South Wales", "city": "Sydney", "latitude": -33.8715, "longitude": 151.2006}, "Australia"],
        ["2a03:2880:f12c:83:face:b00c::25de", {"country": "United States", "state": "Florida", "city": "Boca Raton", "latitude": 26.3594, "longitude": -80.0771}, "United States"],
        ["192.0.2.1", {}, ""],
        ["nope", null, ""]
    ]"#)
    .unwrap()
}

#[test]
fn mmdb_gives_kustos_bag() {
    let d = dir("mmdb");
    let (a, l) = v4([20, 53, 192, 0], 18);
    let ipv6: u128 = "2a03:2880::".parse::<std::net::Ipv6Addr>().unwrap().into();
    let db = mmdb(&[
        (
            a,
            l,
            city("Australia", "New South Wales", "Sydney", -33.8715, 151.2006),
        ),
        (
            ipv6,
            29,
            city("United States", "Florida", "Boca Raton", 26.3594, -80.0771),
        ),
    ]);
    std::fs::write(d.join("City.mmdb"), db).unwrap();
    let (code, out, err) = run(&d, &["--geoip", "City.mmdb"], QUERY);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows(&out), expected());
}

#[test]
fn csv_gives_the_same_bag() {
    let d = dir("csv");
    std::fs::write(
        d.join("geo.csv"),
        "network,country,state,city,latitude,longitude\n\
         20.53.192.0/18,Australia,New South Wales,Sydney,-33.8715,151.2006\n\
         2a03:2880::/29,United States,Florida,Boca Raton,26.3594,-80.0771\n",
    )
    .unwrap();
    let (code, out, err) = run(&d, &["--geoip", "geo.csv"], QUERY);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows(&out), expected());
}

#[test]
fn without_a_database_the_error_names_the_flag() {
    let d = dir("none");
    let (code, _, err) = run(&d, &[], "print geo_info_from_ip_address('1.2.3.4')");
    assert_eq!(code, 1);
    assert!(err.contains("needs an IP geolocation database"), "{err}");
    assert!(err.contains("--geoip FILE"), "{err}");
    std::fs::write(d.join("bad.mmdb"), b"not a database").unwrap();
    let (code, _, err) = run(&d, &["--geoip", "bad.mmdb"], "print 1");
    assert_eq!(code, 1);
    assert!(err.contains("bad.mmdb is not a MaxMind DB"), "{err}");
}
