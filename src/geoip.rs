//! IP geolocation for `geo_info_from_ip_address` (`--geoip FILE`): a MaxMind DB
//! (`.mmdb`, GeoLite2-City or GeoIP2-City, read with the `maxminddb` crate, which is
//! what Kusto itself uses) or a CSV of `network,country,state,city,latitude,longitude`
//! rows (CIDR networks, IPv4 and IPv6; the longest matching network wins).
//!
//! The result is Kusto's bag: `country`, `state` (the first subdivision), `city`,
//! `latitude`, `longitude` (geo-info-from-ip-address-function.md), English names; a
//! field the database lacks for the address is left out, an address it does not hold
//! gives an empty bag, and a value that is not an IP address gives null.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Bag, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

/// A geolocation database.
pub enum GeoIp {
    Mmdb(maxminddb::Reader<Vec<u8>>),
    /// Networks by prefix length (IPv4 as IPv4-mapped IPv6, prefix + 96), each a map
    /// from the masked address to its place.
    Csv(Vec<(u8, HashMap<u128, Arc<Place>>)>),
}

/// What a database says about an address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Place {
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GeoIp::Mmdb(_) => f.write_str("GeoIp(mmdb)"),
            GeoIp::Csv(n) => write!(f, "GeoIp(csv, {} prefix lengths)", n.len()),
        }
    }
}

impl GeoIp {
    /// Opens `path`: a CSV by its `.csv` extension, else a MaxMind DB.
    pub fn open(path: &Path) -> Result<GeoIp> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")))?;
        if path.extension().and_then(|e| e.to_str()) == Some("csv") {
            return Self::from_csv(&shown, &bytes);
        }
        maxminddb::Reader::from_source(bytes)
            .map(GeoIp::Mmdb)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Data,
                    format!("{shown} is not a MaxMind DB (.mmdb) file: {e}"),
                )
                .with_hint("--geoip takes a GeoLite2-City .mmdb file or a .csv of network,country,state,city,latitude,longitude")
            })
    }

    /// A CSV with the header `network,country,state,city,latitude,longitude`.
    pub fn from_csv(file: &str, bytes: &[u8]) -> Result<GeoIp> {
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::data(format!("invalid CSV: {e}"), file, 1))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        const COLUMNS: [&str; 6] = [
            "network",
            "country",
            "state",
            "city",
            "latitude",
            "longitude",
        ];
        if header != COLUMNS {
            return Err(Error::data(
                format!(
                    "the header must be `{}`, not `{}`",
                    COLUMNS.join(","),
                    header.join(",")
                ),
                file,
                1,
            ));
        }
        let mut by_len: HashMap<u8, HashMap<u128, Arc<Place>>> = HashMap::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| Error::data(format!("invalid CSV: {e}"), file, line))?;
            let field = |k: usize| rec.get(k).map(str::trim).filter(|s| !s.is_empty());
            let net = field(0).unwrap_or("");
            let (addr, len) = parse_network(net).ok_or_else(|| {
                Error::data(
                    format!("`{net}` is not a network (write a CIDR such as 203.0.113.0/24 or 2001:db8::/32)"),
                    file,
                    line,
                )
            })?;
            let number = |k: usize, what: &str| -> Result<Option<f64>> {
                match field(k) {
                    None => Ok(None),
                    Some(s) => s.parse::<f64>().map(Some).map_err(|_| {
                        Error::data(format!("the {what} `{s}` is not a number"), file, line)
                    }),
                }
            };
            let place = Place {
                country: field(1).map(str::to_string),
                state: field(2).map(str::to_string),
                city: field(3).map(str::to_string),
                latitude: number(4, "latitude")?,
                longitude: number(5, "longitude")?,
            };
            by_len
                .entry(len)
                .or_default()
                .insert(mask(addr, len), Arc::new(place));
        }
        let mut nets: Vec<(u8, HashMap<u128, Arc<Place>>)> = by_len.into_iter().collect();
        nets.sort_by_key(|n| std::cmp::Reverse(n.0));
        Ok(GeoIp::Csv(nets))
    }

    /// What the database holds for `ip` (None: not held).
    pub fn place(&self, ip: IpAddr) -> Option<Place> {
        match self {
            GeoIp::Csv(nets) => {
                let addr = as_v6(ip);
                nets.iter()
                    .find_map(|(len, m)| m.get(&mask(addr, *len)))
                    .map(|p| (**p).clone())
            }
            GeoIp::Mmdb(reader) => {
                use maxminddb::path;
                let r = reader.lookup(ip).ok()?;
                if !r.has_data() {
                    return None;
                }
                let text =
                    |p: &[maxminddb::PathElement<'_>]| r.decode_path::<String>(p).ok().flatten();
                let number =
                    |p: &[maxminddb::PathElement<'_>]| r.decode_path::<f64>(p).ok().flatten();
                Some(Place {
                    country: text(&path!["country", "names", "en"]),
                    state: text(&path!["subdivisions", 0usize, "names", "en"]),
                    city: text(&path!["city", "names", "en"]),
                    latitude: number(&path!["location", "latitude"]),
                    longitude: number(&path!["location", "longitude"]),
                })
            }
        }
    }

    /// `geo_info_from_ip_address(v)`: Kusto's bag for an address string.
    pub fn info(&self, v: &Value) -> Value {
        let Value::String(s) = v else {
            return Value::Null;
        };
        let Ok(ip) = s.trim().parse::<IpAddr>() else {
            return Value::Null;
        };
        let mut bag = Bag::default();
        if let Some(p) = self.place(ip) {
            let mut put = |k: &str, v: Value| {
                bag.insert(Arc::from(k), v);
            };
            for (k, s) in [("country", p.country), ("state", p.state), ("city", p.city)] {
                if let Some(s) = s {
                    put(k, Value::str(&s));
                }
            }
            for (k, n) in [("latitude", p.latitude), ("longitude", p.longitude)] {
                if let Some(n) = n {
                    put(k, Value::Real(n));
                }
            }
        }
        Value::bag(bag)
    }
}

/// An address as 128 bits, IPv4 mapped into IPv6 (`::ffff:a.b.c.d`).
fn as_v6(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// `addr/len` (an IPv4 network's length counted in the mapped space).
fn parse_network(text: &str) -> Option<(u128, u8)> {
    let (a, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let ip: IpAddr = a.trim().parse().ok()?;
    let len = match (ip, len) {
        (IpAddr::V4(_), Some(l)) if l <= 32 => l + 96,
        (IpAddr::V4(_), None) => 128,
        (IpAddr::V6(_), Some(l)) if l <= 128 => l,
        (IpAddr::V6(_), None) => 128,
        _ => return None,
    };
    Some((as_v6(ip), len))
}

fn mask(addr: u128, len: u8) -> u128 {
    match len {
        0 => 0,
        128.. => addr,
        l => addr & (!0u128 << (128 - l)),
    }
}

/// `geo_info_from_ip_address` over a database, as a bound scalar function.
pub struct Lookup(pub Arc<GeoIp>);

impl crate::functions::ScalarImpl for Lookup {
    fn call(&self, args: &[Value], _ctx: &crate::functions::EvalCtx) -> Value {
        args.first().map_or(Value::Null, |v| self.0.info(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_networks_match_by_longest_prefix() {
        let csv = "network,country,state,city,latitude,longitude\n\
                   203.0.113.0/24,Australia,New South Wales,Sydney,-33.8715,151.2006\n\
                   203.0.113.128/25,Australia,Victoria,Melbourne,-37.81,144.96\n\
                   2001:db8::/32,United States,Florida,Boca Raton,26.3594,-80.0771\n\
                   198.51.100.7,Japan,,,,\n";
        let db = GeoIp::from_csv("g.csv", csv.as_bytes()).unwrap();
        let city = |ip: &str| db.place(ip.parse().unwrap()).and_then(|p| p.city);
        assert_eq!(city("203.0.113.5").as_deref(), Some("Sydney"));
        assert_eq!(city("203.0.113.200").as_deref(), Some("Melbourne"));
        assert_eq!(city("2001:db8:1::5").as_deref(), Some("Boca Raton"));
        assert_eq!(
            db.place("198.51.100.7".parse().unwrap())
                .unwrap()
                .country
                .as_deref(),
            Some("Japan")
        );
        assert_eq!(db.place("198.51.100.8".parse().unwrap()), None);
        assert_eq!(
            crate::value::to_json_text(&db.info(&Value::str("198.51.100.7"))),
            r#"{"country":"Japan"}"#
        );
        assert_eq!(
            crate::value::to_json_text(&db.info(&Value::str("10.1.1.1"))),
            "{}"
        );
        assert_eq!(db.info(&Value::str("not an ip")), Value::Null);
    }

    #[test]
    fn bad_csv_rows_say_which_line() {
        let e = GeoIp::from_csv(
            "g.csv",
            b"network,country,state,city,latitude,longitude\n1.2.3.0/24,A,,,x,1\n",
        )
        .unwrap_err();
        assert!(e.message.contains("latitude `x`"), "{}", e.message);
        assert_eq!(
            e.location,
            crate::error::Location::File {
                path: "g.csv".into(),
                line: 2
            }
        );
        let e = GeoIp::from_csv("g.csv", b"ip,country\n").unwrap_err();
        assert!(e.message.contains("the header must be"), "{}", e.message);
    }
}
