//! A detection rule as Sentinel or Defender XDR runs it, whatever file it came from:
//! its schedule (how far back each run looks), when it alerts, and what each alert
//! carries. The readers (`sentinel.rs`, `defender.rs`) fill it in; `alert.rs` applies
//! it to a result.

use crate::error::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// A Sentinel scheduled analytics rule (`kind: Scheduled`).
    Scheduled,
    /// A Sentinel near-real-time rule (`kind: NRT`).
    Nrt,
    /// A Sentinel hunting query: no schedule, no alert.
    Hunting,
    /// A Defender XDR custom detection rule (Graph `detectionRule`).
    Defender,
}

impl RuleKind {
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Scheduled => "Scheduled",
            RuleKind::Nrt => "NRT",
            RuleKind::Hunting => "Hunting",
            RuleKind::Defender => "DefenderCustomDetection",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerOp {
    Gt,
    Lt,
    Eq,
    Ne,
}

impl TriggerOp {
    pub fn name(self) -> &'static str {
        match self {
            TriggerOp::Gt => "gt",
            TriggerOp::Lt => "lt",
            TriggerOp::Eq => "eq",
            TriggerOp::Ne => "ne",
        }
    }
    pub fn holds(self, count: i64, threshold: i64) -> bool {
        match self {
            TriggerOp::Gt => count > threshold,
            TriggerOp::Lt => count < threshold,
            TriggerOp::Eq => count == threshold,
            TriggerOp::Ne => count != threshold,
        }
    }
}

/// `eventGroupingSettings.aggregationKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// One alert per run, over all the result rows (Sentinel's default).
    SingleAlert,
    /// One alert per result row.
    AlertPerResult,
}

/// A column a rule field names, with the position of that name in the rule file.
#[derive(Clone, Debug)]
pub struct ColumnRef {
    /// The field's own key (a custom detail's name, an identifier, a property).
    pub key: String,
    pub column: String,
    pub span: Span,
    /// Which field names it, for messages ("entityMappings", "customDetails", ...).
    pub field: &'static str,
}

#[derive(Clone, Debug)]
pub struct EntityMapping {
    pub entity_type: String,
    /// identifier → column
    pub fields: Vec<ColumnRef>,
}

/// A text whose `{{Column}}` placeholders are filled from a result row.
#[derive(Clone, Debug)]
pub struct Template {
    pub text: String,
    pub span: Span,
    pub field: &'static str,
}

impl Template {
    /// The columns named by `{{Column}}` placeholders, in order, with their spans.
    pub fn placeholders(&self) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(open) = self.text[from..].find("{{") {
            let start = from + open + 2;
            let Some(close) = self.text[start..].find("}}") else {
                break;
            };
            let inner = &self.text[start..start + close];
            if !inner.contains('{') && !inner.contains('}') {
                out.push((inner.trim().to_string(), self.span));
            }
            from = start + close + 2;
        }
        out
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: RuleKind,
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    /// How often it runs and how far back each run looks (ticks).
    pub frequency: Option<i64>,
    pub period: Option<i64>,
    pub trigger: Option<(TriggerOp, i64)>,
    pub grouping: Grouping,
    pub entities: Vec<EntityMapping>,
    pub custom_details: Vec<ColumnRef>,
    pub name_format: Option<Template>,
    pub description_format: Option<Template>,
    pub severity_column: Option<ColumnRef>,
    pub tactics_column: Option<ColumnRef>,
    /// `alertDetailsOverride.alertDynamicProperties`: alert property → column.
    pub dynamic_properties: Vec<ColumnRef>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
}

/// NRT rules run every minute over the minute before (Sentinel: "Detect threats
/// quickly with near-real-time (NRT) analytics rules",
/// https://learn.microsoft.com/azure/sentinel/near-real-time-rules).
pub const NRT_WINDOW: i64 = crate::value::TICKS_PER_MINUTE;

impl Rule {
    pub fn new(kind: RuleKind) -> Self {
        Rule {
            kind,
            id: None,
            name: None,
            description: None,
            severity: None,
            frequency: None,
            period: None,
            trigger: None,
            grouping: Grouping::SingleAlert,
            entities: Vec::new(),
            custom_details: Vec::new(),
            name_format: None,
            description_format: None,
            severity_column: None,
            tactics_column: None,
            dynamic_properties: Vec::new(),
            tactics: Vec::new(),
            techniques: Vec::new(),
        }
    }

    /// How far back a run looks: the rule's period, NRT's minute; none for hunting
    /// queries (they run over whatever range the hunter picks).
    pub fn window(&self) -> Option<i64> {
        match self.kind {
            RuleKind::Nrt => Some(NRT_WINDOW),
            RuleKind::Hunting => None,
            RuleKind::Scheduled | RuleKind::Defender => self.period,
        }
    }

    /// The time column a run's window is applied to, in order of preference: Sentinel
    /// filters on TimeGenerated; Defender's tables have Timestamp.
    pub fn time_columns(&self) -> &'static [&'static str] {
        match self.kind {
            RuleKind::Defender => &["Timestamp", "TimeGenerated"],
            _ => &["TimeGenerated", "Timestamp"],
        }
    }

    /// Whether a run decides on alerts (hunting queries only return rows).
    pub fn alerts(&self) -> bool {
        self.kind != RuleKind::Hunting
    }

    /// Every column the rule's fields name.
    pub fn columns(&self) -> Vec<&ColumnRef> {
        let mut out: Vec<&ColumnRef> = self.entities.iter().flat_map(|e| &e.fields).collect();
        out.extend(&self.custom_details);
        out.extend(self.severity_column.iter());
        out.extend(self.tactics_column.iter());
        out.extend(&self.dynamic_properties);
        out
    }
}

/// A duration as rule files write them: ISO 8601 (`PT5H`, `P1D`, `PT1H30M`, as ARM
/// templates do) or a number and a unit (`5m`, `1h`, `14d`, as Sentinel's YAML does).
pub fn parse_duration(s: &str) -> Option<i64> {
    use crate::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};
    let s = s.trim();
    if let Some(rest) = s.strip_prefix(['P', 'p']) {
        let mut total: i64 = 0;
        let mut time = false;
        let mut num = String::new();
        let mut any = false;
        for c in rest.chars() {
            match c {
                'T' | 't' if num.is_empty() => time = true,
                '0'..='9' | '.' => num.push(c),
                _ => {
                    let n: f64 = num.parse().ok()?;
                    num.clear();
                    let per = match (c.to_ascii_uppercase(), time) {
                        ('W', false) => 7 * TICKS_PER_DAY,
                        ('D', false) => TICKS_PER_DAY,
                        ('H', true) => TICKS_PER_HOUR,
                        ('M', true) => TICKS_PER_MINUTE,
                        ('S', true) => TICKS_PER_SECOND,
                        _ => return None,
                    };
                    total = total.checked_add((n * per as f64) as i64)?;
                    any = true;
                }
            }
        }
        return (any && num.is_empty()).then_some(total);
    }
    crate::value::parse_timespan(s).filter(|_| s.chars().any(|c| c.is_ascii_alphabetic()))
}

/// A duration for people: `5m`, `1h`, `14d`, `1h30m`.
pub fn show_duration(ticks: i64) -> String {
    use crate::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};
    let mut t = ticks;
    let mut out = String::new();
    for (per, unit) in [
        (TICKS_PER_DAY, "d"),
        (TICKS_PER_HOUR, "h"),
        (TICKS_PER_MINUTE, "m"),
        (TICKS_PER_SECOND, "s"),
    ] {
        if t >= per {
            out.push_str(&format!("{}{unit}", t / per));
            t %= per;
        }
    }
    if out.is_empty() {
        "0s".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE};

    #[test]
    fn durations_in_both_spellings() {
        let cases = [
            ("5m", Some(5 * TICKS_PER_MINUTE)),
            ("1h", Some(TICKS_PER_HOUR)),
            ("14d", Some(14 * TICKS_PER_DAY)),
            ("PT5M", Some(5 * TICKS_PER_MINUTE)),
            ("PT1H30M", Some(90 * TICKS_PER_MINUTE)),
            ("P1D", Some(TICKS_PER_DAY)),
            ("P1DT12H", Some(36 * TICKS_PER_HOUR)),
            ("P2W", Some(14 * TICKS_PER_DAY)),
            ("PT", None),
            ("P1H", None),
            ("5", None),
            ("soon", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_duration(s), want, "{s}");
        }
        assert_eq!(show_duration(90 * TICKS_PER_MINUTE), "1h30m");
        assert_eq!(show_duration(14 * TICKS_PER_DAY), "14d");
    }

    #[test]
    fn placeholders_are_the_columns_in_double_braces() {
        let t = Template {
            text: "{{Account}} from {{ IPAddress }} at {x} {{".into(),
            span: Span::new(0, 0),
            field: "alertDisplayNameFormat",
        };
        let names: Vec<String> = t.placeholders().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Account", "IPAddress"]);
    }

    #[test]
    fn triggers() {
        assert!(TriggerOp::Gt.holds(1, 0));
        assert!(!TriggerOp::Gt.holds(0, 0));
        assert!(TriggerOp::Lt.holds(0, 1));
        assert!(TriggerOp::Eq.holds(3, 3));
        assert!(TriggerOp::Ne.holds(2, 3));
    }
}
