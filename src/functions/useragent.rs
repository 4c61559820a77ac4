//! `parse_user_agent(ua, look_for)`: Kusto matches the ua-parser rule set; this is a
//! smaller rule set in the same style (first matching rule wins, capture groups give
//! the family and version parts) covering the major browsers, operating systems and
//! device kinds. A string that no rule matches gives family "Other", as ua-parser does.

use super::{constant, pure, sig, text, ArgInfo, Bound, FnError, Want};
use crate::types::Type;
use crate::value::{Bag, Value};
use regex::Regex;
use std::sync::OnceLock;

pub(super) const NAMES: &[&str] = &["parse_user_agent"];

/// A rule: the pattern, then the family (`$1` is the first group) and the groups that
/// give the version parts (0 = none). `fixed` versions replace the groups.
struct Rule {
    re: Regex,
    family: &'static str,
    fixed: Option<&'static [&'static str]>,
}

fn rule(pattern: &str, family: &'static str) -> Rule {
    Rule {
        re: Regex::new(pattern).expect("user-agent pattern"),
        family,
        fixed: None,
    }
}

fn fixed(pattern: &str, family: &'static str, versions: &'static [&'static str]) -> Rule {
    Rule {
        fixed: Some(versions),
        ..rule(pattern, family)
    }
}

/// Browser rules: the family then up to three version groups (groups 2..).
fn browsers() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        vec![
            rule(r"(AdobeAIR)/(\d+)\.(\d+)(?:\.(\d+))?", "$1"),
            rule(r"(BrowserNG)/(\d+)\.(\d+)\.(\d+)", "Nokia Browser"),
            fixed(r"(Series60)/5\.0", "Nokia Browser", &["7", "0", ""]),
            rule(r"(Series60)/(\d+)\.(\d+)", "Nokia OSS Browser"),
            rule(r"(NokiaBrowser)/(\d+)\.(\d+)\.(\d+)", "Nokia Browser"),
            rule(r"(EdgiOS|EdgA)/(\d+)\.(\d+)\.(\d+)", "Edge Mobile"),
            rule(r"(Edge?)/(\d+)(?:\.(\d+))?(?:\.(\d+))?", "Edge"),
            rule(r"(OPR)/(\d+)\.(\d+)(?:\.(\d+))?", "Opera"),
            rule(r"(Opera)/.+Version/(\d+)\.(\d+)", "Opera"),
            rule(r"(YaBrowser)/(\d+)\.(\d+)\.(\d+)", "Yandex Browser"),
            rule(r"(Vivaldi)/(\d+)\.(\d+)(?:\.(\d+))?", "$1"),
            rule(r"(SamsungBrowser)/(\d+)\.(\d+)", "Samsung Internet"),
            rule(r"(FxiOS)/(\d+)\.(\d+)(?:\.(\d+))?", "Firefox iOS"),
            rule(r"Mobile.*(Firefox)/(\d+)\.(\d+)(?:\.(\d+))?", "Firefox Mobile"),
            rule(r"(Firefox)/(\d+)\.(\d+)(?:\.(\d+))?", "Firefox"),
            rule(r"(CriOS)/(\d+)\.(\d+)\.(\d+)", "Chrome Mobile iOS"),
            rule(r"(HeadlessChrome)/(\d+)\.(\d+)\.(\d+)", "HeadlessChrome"),
            rule(r"; wv\).+(Chrome)/(\d+)\.(\d+)\.(\d+)", "Chrome Mobile WebView"),
            rule(r"(Chrome)/(\d+)\.(\d+)\.(\d+)(?:\.\d+)? Mobile", "Chrome Mobile"),
            rule(r"(Chrome)/(\d+)\.(\d+)(?:\.(\d+))?", "Chrome"),
            rule(r"(Version)/(\d+)\.(\d+)(?:\.(\d+))?.*Mobile.*Safari/", "Mobile Safari"),
            rule(r"(Version)/(\d+)\.(\d+)(?:\.(\d+))?.*Safari/", "Safari"),
            rule(r"(iPhone|iPad|iPod).*AppleWebKit", "Mobile Safari UI/WKWebView"),
            rule(r"(MSIE) (\d+)\.(\d+)", "IE"),
            rule(r"(Trident)/\d+\.\d+.*rv:(\d+)\.(\d+)", "IE"),
            rule(r"(Safari)/(\d+)(?:\.(\d+))?", "Safari"),
            rule(r"(python-requests)/(\d+)\.(\d+)(?:\.(\d+))?", "Python Requests"),
            rule(r"(Python-urllib)/(\d+)\.(\d+)", "Python-urllib"),
            rule(
                r"(curl|Wget|Go-http-client|PostmanRuntime|okhttp|Apache-HttpClient|Java)/(\d+)(?:\.(\d+))?(?:\.(\d+))?",
                "$1",
            ),
            rule(r"(?i)(bot|crawler|spider)\b", "Other"),
        ]
    })
}

/// Operating-system rules: the family then up to four version groups (groups 2..).
fn systems() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        vec![
            fixed(r"(Windows NT 10\.0)", "Windows 10", &[]),
            fixed(r"(Windows NT 6\.3)", "Windows 8.1", &[]),
            fixed(r"(Windows NT 6\.2)", "Windows 8", &[]),
            fixed(r"(Windows NT 6\.1)", "Windows 7", &[]),
            fixed(r"(Windows NT 6\.0)", "Windows Vista", &[]),
            fixed(r"(Windows NT 5\.2)", "Windows XP", &[]),
            fixed(r"(Windows NT 5\.1|Windows XP)", "Windows XP", &[]),
            fixed(r"(Windows Phone)", "Windows Phone", &[]),
            rule(
                r"(?:CPU OS|iPhone OS|CPU iPhone OS) (\d+)_(\d+)(?:_(\d+))?",
                "iOS",
            ),
            rule(r"(Mac OS X) (\d+)[_.](\d+)(?:[_.](\d+))?", "Mac OS X"),
            fixed(r"(Mac OS X)", "Mac OS X", &[]),
            rule(r"(CrOS) [a-z0-9_]+ (\d+)\.(\d+)(?:\.(\d+))?", "Chrome OS"),
            rule(r"(Android)[ \-/](\d+)(?:\.(\d+))?(?:\.(\d+))?", "Android"),
            rule(r"(SymbianOS)/(\d+)\.(\d+)", "Symbian OS"),
            rule(r"(Symbian/3)", "Symbian^3"),
            fixed(r"(Ubuntu)", "Ubuntu", &[]),
            fixed(r"(Fedora)", "Fedora", &[]),
            fixed(r"(Linux)", "Linux", &[]),
            fixed(r"(Windows)", "Windows", &[]),
        ]
    })
}

struct Found<'a> {
    family: String,
    versions: Vec<&'a str>,
}

fn first_match<'a>(rules: &[Rule], ua: &'a str) -> Option<Found<'a>> {
    for r in rules {
        if let Some(c) = r.re.captures(ua) {
            let family = r.family.replace("$1", c.get(1).map_or("", |m| m.as_str()));
            let versions = match r.fixed {
                Some(v) => v.to_vec(),
                None => (2..6)
                    .map(|i| c.get(i).map_or("", |m| m.as_str()))
                    .collect(),
            };
            return Some(Found { family, versions });
        }
    }
    None
}

fn part(f: &Option<Found>, i: usize) -> Value {
    Value::str(
        f.as_ref()
            .and_then(|f| f.versions.get(i).copied())
            .unwrap_or(""),
    )
}

fn family(f: &Option<Found>) -> Value {
    Value::str(f.as_ref().map_or("Other", |f| f.family.as_str()))
}

fn browser(ua: &str) -> Value {
    let f = first_match(browsers(), ua);
    let mut b = Bag::default();
    b.insert("Family".into(), family(&f));
    b.insert("MajorVersion".into(), part(&f, 0));
    b.insert("MinorVersion".into(), part(&f, 1));
    b.insert("Patch".into(), part(&f, 2));
    Value::bag(b)
}

fn os(ua: &str) -> Value {
    let f = first_match(systems(), ua);
    let mut b = Bag::default();
    b.insert("Family".into(), family(&f));
    b.insert("MajorVersion".into(), part(&f, 0));
    b.insert("MinorVersion".into(), part(&f, 1));
    b.insert("Patch".into(), part(&f, 2));
    b.insert("PatchMinor".into(), part(&f, 3));
    Value::bag(b)
}

fn device(ua: &str) -> Value {
    static NOKIA: OnceLock<Regex> = OnceLock::new();
    static NOKIA_N: OnceLock<Regex> = OnceLock::new();
    static ANDROID: OnceLock<Regex> = OnceLock::new();
    static SPIDER: OnceLock<Regex> = OnceLock::new();
    let nokia = NOKIA.get_or_init(|| Regex::new(r"Nokia ?([A-Za-z0-9]+)").expect("re"));
    let nokia_n = NOKIA_N
        .get_or_init(|| Regex::new(r"Nokia(N[0-9]+)([A-Za-z_\-][A-Za-z0-9_\-]*)").expect("re"));
    let android = ANDROID.get_or_init(|| {
        Regex::new(r"Android[^;)]*; (?:[a-zA-Z-]+; )?([^;)]+?)(?: Build/|\))").expect("re")
    });
    let spider = SPIDER.get_or_init(|| Regex::new(r"(?i)(bot|crawler|spider)\b").expect("re"));
    let (fam, brand, model): (String, &str, String) = if spider.is_match(ua) {
        ("Spider".into(), "Spider", "Desktop".into())
    } else if ua.contains("iPad") {
        ("iPad".into(), "Apple", "iPad".into())
    } else if ua.contains("iPhone") {
        ("iPhone".into(), "Apple", "iPhone".into())
    } else if ua.contains("iPod") {
        ("iPod".into(), "Apple", "iPod".into())
    } else if ua.contains("Macintosh") {
        ("Mac".into(), "Apple", "Mac".into())
    } else if let Some(c) = nokia_n.captures(ua) {
        // ua-parser's rule: family from the N-number, model with its variant suffix.
        (
            format!("Nokia {}", &c[1]),
            "Nokia",
            format!("{}{}", &c[1], &c[2]),
        )
    } else if let Some(c) = nokia.captures(ua) {
        let m = c[1].to_string();
        (format!("Nokia {m}"), "Nokia", m)
    } else if let Some(c) = android.captures(ua).filter(|c| c[1].trim() != "K") {
        let m = c[1].trim().to_string();
        (m.clone(), "Generic_Android", m)
    } else {
        ("Other".into(), "", String::new())
    };
    let mut b = Bag::default();
    b.insert("Family".into(), Value::str(&fam));
    b.insert("Brand".into(), Value::str(brand));
    b.insert("Model".into(), Value::str(&model));
    Value::bag(b)
}

#[derive(Clone, Copy)]
enum Target {
    Browser,
    Os,
    Device,
}

fn targets(v: &Value) -> Option<Vec<Target>> {
    let one = |s: &str| match s.to_ascii_lowercase().as_str() {
        "browser" => Some(Target::Browser),
        "os" => Some(Target::Os),
        "device" => Some(Target::Device),
        _ => None,
    };
    match v {
        Value::String(s) => Some(vec![one(s)?]),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => one(s),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn parse(ua: &str, targets: &[Target]) -> Value {
    let mut out = Bag::default();
    for t in targets {
        match t {
            Target::Browser => out.insert("Browser".into(), browser(ua)),
            Target::Os => out.insert("OperatingSystem".into(), os(ua)),
            Target::Device => out.insert("Device".into(), device(ua)),
        };
    }
    Value::bag(out)
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    if name != "parse_user_agent" {
        return None;
    }
    Some(sig(name, args, 2, 2, &[Want::Str, Want::Any]).and_then(|_| {
        if let Some(c) = constant(args, 1) {
            let t = targets(c).ok_or_else(|| {
                FnError::Type(
                    1,
                    "`parse_user_agent` looks for \"browser\", \"os\" or \"device\" (a string or an array of them)"
                        .into(),
                )
            })?;
            return pure(Type::Dynamic, move |a| parse(&text(&a[0]), &t));
        }
        pure(Type::Dynamic, |a| match targets(&a[1]) {
            Some(t) => parse(&text(&a[0]), &t),
            None => Value::Null,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::to_json_text;

    fn run(ua: &str, t: &[Target]) -> String {
        to_json_text(&parse(ua, t))
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            run(
                "Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1",
                &[Target::Browser]
            ),
            r#"{"Browser":{"Family":"AdobeAIR","MajorVersion":"2","MinorVersion":"5","Patch":"1"}}"#
        );
        assert_eq!(
            run(
                "Mozilla/5.0 (SymbianOS/9.2; U; Series60/3.1 NokiaN81-3/10.0.032 Profile/MIDP-2.0 Configuration/CLDC-1.1 ) AppleWebKit/413 (KHTML, like Gecko) Safari/4",
                &[Target::Browser, Target::Os, Target::Device]
            ),
            concat!(
                r#"{"Browser":{"Family":"Nokia OSS Browser","MajorVersion":"3","MinorVersion":"1","Patch":""},"#,
                r#""OperatingSystem":{"Family":"Symbian OS","MajorVersion":"9","MinorVersion":"2","Patch":"","PatchMinor":""},"#,
                r#""Device":{"Family":"Nokia N81","Brand":"Nokia","Model":"N81-3"}}"#
            )
        );
    }

    #[test]
    fn common_browsers() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.116 Safari/537.36", "Chrome", "83", "Windows 10"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge", "120", "Windows 10"),
            ("Mozilla/5.0 (Windows NT 6.1; rv:109.0) Gecko/20100101 Firefox/115.0", "Firefox", "115", "Windows 7"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Mobile Safari", "17", "iOS"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.5 Safari/605.1.15", "Safari", "16", "Mac OS X"),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Mobile Safari/537.36", "Chrome Mobile", "114", "Android"),
            ("curl/7.68.0", "curl", "7", "Other"),
            ("python-requests/2.31.0", "Python Requests", "2", "Other"),
        ];
        for (ua, fam, major, os_fam) in cases {
            let b = browser(ua);
            let o = os(ua);
            let Value::Bag(b) = b else { panic!() };
            let Value::Bag(o) = o else { panic!() };
            assert_eq!(b["Family"], Value::str(fam), "{ua}");
            assert_eq!(b["MajorVersion"], Value::str(major), "{ua}");
            assert_eq!(o["Family"], Value::str(os_fam), "{ua}");
        }
    }
}
