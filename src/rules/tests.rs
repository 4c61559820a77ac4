//! Which reader a file gets and what it yields.

use super::*;

fn shape(name: &str, text: &str) -> String {
    match read_text(name, name, text.to_string()) {
        Read::Skipped(why) => format!("skipped: {why}"),
        Read::Doc(d) => {
            let items: Vec<String> = d
                .items
                .iter()
                .map(|i| {
                    format!(
                        "{}={}",
                        i.name,
                        i.rule.as_ref().map_or("query", |r| r.kind.name())
                    )
                })
                .collect();
            let codes: Vec<&str> = d.findings.iter().map(|f| f.code).collect();
            format!("{:?} [{}] {codes:?}", d.format, items.join(" "))
        }
    }
}

#[test]
fn each_format_has_its_reader() {
    let rule = "id: 0d5e24ae-5a51-4f1e-9a3b-0c1d2e3f4a5b\nname: R\ndescription: d\nseverity: Low\nkind: NRT\nquery: T | take 1\n";
    let hunting = "id: 0d5e24ae-5a51-4f1e-9a3b-0c1d2e3f4a5b\nname: H\nquery: |\n  T\n";
    let arm = r#"{"resources": [
        {"type": "Microsoft.SecurityInsights/alertRules", "kind": "NRT", "properties": {"displayName": "a", "description": "d", "severity": "Low", "query": "T"}},
        {"type": "Microsoft.Web/sites", "properties": {}},
        {"type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates", "properties": {"mainTemplate": {"resources": [
            {"type": "Microsoft.SecurityInsights/AlertRuleTemplates", "properties": {"query": "U"}},
            {"type": "Microsoft.OperationalInsights/workspaces/providers/alertRules", "kind": "NRT", "properties": {"displayName": "b", "description": "d", "severity": "Low", "query": "U"}}]}}}]}"#;
    let defender = r#"{"value": [{"displayName": "x", "queryCondition": {"queryText": "T"}, "schedule": {"period": "0"},
        "detectionAction": {"alertTemplate": {"title": "t", "severity": "low"}}}]}"#;
    let cases = [
        ("q.kql", "T | take 1", "Kql [q.kql=query] []"),
        ("q.csl", "T", "Kql [q.csl=query] []"),
        (
            "p.md",
            "# x\n```kql\nT\n```\n```KUSTO\nU\n```\n",
            "Markdown [p.md#1=query p.md#2=query] []",
        ),
        (
            "p.md",
            "# x\n```sql\nT\n```\n",
            "skipped: no ```kql or ```kusto code block",
        ),
        ("r.yaml", rule, "SentinelYaml [r.yaml=NRT] []"),
        ("h.yml", hunting, "SentinelYaml [h.yml=Hunting] []"),
        (
            "w.yml",
            "on: push\njobs: {}\n",
            "skipped: YAML without a `query` and a `name` or `id`: not a Sentinel rule",
        ),
        (
            "b.yaml",
            "query: [unclosed\nname: x\n",
            "SentinelYaml [] [\"rule-syntax\"]",
        ),
        ("b.yaml", "a: [unclosed\n", "skipped: not valid YAML"),
        ("t.json", arm, "ArmTemplate [t.json#1=NRT t.json#2=NRT] []"),
        (
            "d.json",
            defender,
            "DefenderJson [d.json=DefenderCustomDetection] []",
        ),
        (
            "o.json",
            "{\"name\": 1}",
            "skipped: JSON that is neither an ARM template nor a Defender detection rule",
        ),
        ("e.json", "{\"query\": ", "ArmTemplate [] [\"rule-syntax\"]"),
    ];
    for (name, text, want) in cases {
        let got = shape(name, text);
        assert!(got.starts_with(want), "{name}: {got}\nwant: {want}");
    }
}

#[test]
fn selectors_name_one_query_of_a_file() {
    assert_eq!(
        split_selector("no/such/page.md#2"),
        ("no/such/page.md", Some(2))
    );
    assert_eq!(
        split_selector("no/such/page.md#x"),
        ("no/such/page.md#x", None)
    );
    assert_eq!(split_selector("no/such/q.kql"), ("no/such/q.kql", None));
}
