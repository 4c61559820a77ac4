//! Operators and statements added for issue 4 (conformance), one table of
//! (query, expected) per feature. Expected results are the docs' printed outputs
//! where the docs have them, else values computed by hand from the documented rules.

mod exec_common;
use exec_common::check_cases;
use kql::Catalog;

fn cases(rows: &[(&str, &str)]) {
    check_cases(rows, &Catalog::new());
}

const T1: &str = r#"let t1 = datatable(key: long, value: string) [1, "val1.1", 1, "val1.2"];
let t2 = datatable(key: long, value: string) [1, "val1.3", 1, "val1.4"];"#;

#[test]
fn innerunique_where_on_left_columns_runs_before_dedup() {
    let q = |tail: &str| format!("{T1} t1 | join kind=innerunique t2 on key {tail}");
    cases(&[
        // The docs' join-innerunique example: the filter reaches the left side first.
        (
            &q(r#"| where value == "val1.2""#),
            "key:long, value:string, key1:long, value1:string\n1|val1.2|1|val1.3\n1|val1.2|1|val1.4",
        ),
        // A filter on right columns stays after the join.
        (
            &q(r#"| where value1 == "val1.4" | project value1"#),
            "value1:string\nval1.4",
        ),
        // A filter reading both sides stays after the join: one left row survives
        // deduplication, so at most one pair matches.
        (
            &q(r#"| where value != value1 | count"#),
            "Count:long\n2",
        ),
        // ... also across column selections and extends the predicate does not read.
        (
            &q(r#"| project v = value, value1 | where v == "val1.2" | count"#),
            "Count:long\n2",
        ),
        (
            &q(r#"| project-rename v = value | extend n = 1 | where v == "val1.2" | count"#),
            "Count:long\n2",
        ),
        // inner joins keep every left row anyway.
        (
            &format!(r#"{T1} t1 | join kind=inner t2 on key | where value == "val1.2" | count"#),
            "Count:long\n2",
        ),
    ]);
}

#[test]
fn star_arguments() {
    cases(&[
        // The docs' estimate_data_size example: (8 + 10) x 10.
        (
            "range x from 1 to 10 step 1 | extend Text = '1234567890' | summarize Total=sum(estimate_data_size(*))",
            "Total:long\n180",
        ),
        (
            "print a = 1, b = 'xy' | project s = estimate_data_size(a, b), t = estimate_data_size(b)",
            "s:long, t:long\n10|2",
        ),
        (
            "print a = 1, b = 'x' | extend p = pack_array(*)",
            "a:long, b:string, p:dynamic\n1|x|[1,\"x\"]",
        ),
        (
            "print a = 1 | extend h = hash_many(*)",
            "error: `*` is not allowed as an argument of `hash_many`",
        ),
        ("print a = 1 | extend h = strcat(*)", "error: `*` is not allowed"),
    ]);
}

const COUNTRY: &str = r#"declare pattern country = (name:string)[state:string]
{
  ("USA").["New York"] = { print Capital = "Albany" };
  ("USA").["Washington"] = { print Capital = "Olympia" };
  ("Canada").["Alberta"] = { print Capital = "Edmonton" };
};
"#;

#[test]
fn pattern_statements() {
    let q = |tail: &str| format!("{COUNTRY}{tail}");
    cases(&[
        // The docs' examples.
        (&q("country(\"Canada\").Alberta"), "Capital:string\nEdmonton"),
        (&q("country('USA').['New York']"), "Capital:string\nAlbany"),
        (
            &q("union country('USA').Washington, country(\"Canada\").[\"Alberta\"] | order by Capital asc"),
            "Capital:string\nEdmonton\nOlympia",
        ),
        (
            r#"declare pattern map_ip_to_longlat = (address:string)
{
  ("10.10.10.10") = { print Lat=37.405992, Long=-122.078515 };
};
map_ip_to_longlat("10.10.10.10")"#,
            "Lat:real, Long:real\n37.405992|-122.078515",
        ),
        // A declared but undefined pattern, and a reference no definition covers.
        (
            "declare pattern map_ip_to_longlat;\nmap_ip_to_longlat(\"10.10.10.10\")",
            "error: One or more pattern references were not declared. Detected pattern references: [\"map_ip_to_longlat('10.10.10.10')\"]",
        ),
        (
            &q("country(\"Canada\").[\"*\"] | count"),
            "error: One or more pattern references were not declared. Detected pattern references: [\"country('Canada').['*']\"]",
        ),
        // An invocation is a tabular expression like any other.
        (
            &q("let c = country('USA').Washington; c | extend n = strlen(Capital)"),
            "Capital:string, n:long\nOlympia|7",
        ),
        (&q("country('USA')"), "error: pattern `country` needs a path"),
        (
            &q("country('USA', 'x').Washington"),
            "error: pattern `country` takes 1 argument(s), not 2",
        ),
    ]);
}

#[test]
fn top_nested() {
    const IDS: &str = r#"datatable(id: string, timestamp: datetime, otherInformation: string)
[
    "Barak", datetime(2015-01-01), "1",
    "Barak", datetime(2016-01-01), "2",
    "Barak", datetime(2017-01-20), "3",
    "Donald", datetime(2017-01-20), "4",
    "Donald", datetime(2017-01-18), "5",
    "Donald", datetime(2017-01-19), "6"
]"#;
    const R: &str = "range x from 1 to 10 step 1 | extend g = x % 3";
    cases(&[
        // The docs' "latest records per identity" example (sorted for a stable order).
        (
            &format!(
                "{IDS} | top-nested of id by Ignore0=max(1), top-nested 2 of timestamp by Ignore1=max(timestamp), top-nested of otherInformation by Ignore2=max(1) | project-away Ignore0, Ignore1, Ignore2 | order by timestamp asc, id asc"
            ),
            "id:string, timestamp:datetime, otherInformation:string\nBarak|2016-01-01T00:00:00Z|2\nDonald|2017-01-19T00:00:00Z|6\nBarak|2017-01-20T00:00:00Z|3\nDonald|2017-01-20T00:00:00Z|4",
        ),
        // Default names: the value column's name and `aggregated_<name>`; groups by
        // aggregation, descending by default.
        (
            &format!("{R} | top-nested 2 of g by sum(x)"),
            "g:long, aggregated_g:long\n1|22\n0|18",
        ),
        (
            &format!("{R} | top-nested 1 of g by sum(x) asc"),
            "g:long, aggregated_g:long\n2|15",
        ),
        // Nested levels rank inside each kept group; `with others` adds the rest.
        (
            &format!("{R} | top-nested 2 of g with others = -1 by s = sum(x), top-nested 1 of x by max(x)"),
            "g:long, s:long, x:long, aggregated_x:long\n1|22|10|10\n0|18|9|9\n-1|15|null|null",
        ),
        // An expression over aggregates ranks too; a string level's others row.
        (
            &format!("{R} | extend g = tostring(g) | top-nested 1 of g with others = 'rest' by avg(x) * 2"),
            "g:string, aggregated_g:real\n0|12\nrest|10.571428571428571",
        ),
        (
            &format!("{R} | top-nested 2 of g by x"),
            "error: the `by` of a top-nested clause must be an aggregation",
        ),
    ]);
}

#[test]
fn top_hitters_and_sample_distinct() {
    const R: &str = "range x from 1 to 10 step 1 | extend y = x % 3";
    cases(&[
        (
            &format!("{R} | top-hitters 1 of y"),
            "y:long, approximate_count_y:long\n1|4",
        ),
        (
            &format!("{R} | top-hitters 2 of y by x"),
            "y:long, approximate_sum_x:long\n1|22\n0|18",
        ),
        (
            &format!("{R} | sample-distinct 5 of y | order by y asc"),
            "y:long\n0\n1\n2",
        ),
        (
            &format!("{R} | sample-distinct 2 of y | count"),
            "Count:long\n2",
        ),
    ]);
}

#[test]
fn parse_kv() {
    let q = |s: &str, cols: &str, with: &str| {
        format!("print str={s} | parse-kv str as ({cols}) {with} | project-away str")
    };
    cases(&[
        // The docs' examples, one per mode and option.
        (
            &q(
                r#""ThreadId:458745723, Machine:Node001, Text: The service is up, Level: Info""#,
                "Text: string, ThreadId:long, Machine: string",
                "with (pair_delimiter=',', kv_delimiter=':')",
            ),
            "Text:string, ThreadId:long, Machine:string\nThe service is up|458745723|Node001",
        ),
        (
            &q(
                r#"'src=10.1.1.123 dst=10.1.1.124 bytes=125 failure="connection aborted" "event time"=2021-01-01T10:00:54'"#,
                "['event time']:datetime, src:string, dst:string, bytes:long, failure:string",
                r#"with (pair_delimiter=' ', kv_delimiter='=', quote='"')"#,
            ),
            "event time:datetime, src:string, dst:string, bytes:long, failure:string\n2021-01-01T10:00:54Z|10.1.1.123|10.1.1.124|125|connection aborted",
        ),
        (
            &q(
                "'failure=(connection aborted) (event time)=(2021-01-01 10:00:54)'",
                "['event time']:datetime, failure:string",
                "with (pair_delimiter=' ', kv_delimiter='=', quote='()')",
            ),
            "event time:datetime, failure:string\n2021-01-01T10:00:54Z|connection aborted",
        ),
        (
            &q(
                r#"'bytes=125 failure="the remote host sent \\"bye!\\"" time=2021-01-01T10:00:54'"#,
                "['time']:datetime, bytes:long, failure:string",
                r#"with (pair_delimiter=' ', kv_delimiter='=', quote='"', escape='\\')"#,
            ),
            r#"time:datetime, bytes:long, failure:string
2021-01-01T10:00:54Z|125|the remote host sent "bye!""#,
        ),
        (
            &q(
                "'name=John Doe phone=555 5555 city=New York'",
                "name:string, phone:string, city:string",
                "with (pair_delimiter=' ', kv_delimiter='=')",
            ),
            "name:string, phone:string, city:string\nJohn|555|New",
        ),
        (
            &q(
                "'name=John Doe phone=555 5555 city=New York'",
                "name:string, phone:string, city:string",
                "with (pair_delimiter=' ', kv_delimiter='=', greedy=true)",
            ),
            "name:string, phone:string, city:string\nJohn Doe|555 5555|New York",
        ),
        (
            &q(
                r#""2021-01-01T10:00:34 [INFO] ThreadId:458745723, Machine:Node001, Text: Started""#,
                "Text: string, ThreadId:long, Machine: string",
                "",
            ),
            "Text:string, ThreadId:long, Machine:string\nStarted|458745723|Node001",
        ),
        (
            &q(
                r#""ThreadId:458745723, Text: 'The service \\' is up'""#,
                "Text: string, ThreadId:long",
                r#"with (quote="'", escape='\\')"#,
            ),
            "Text:string, ThreadId:long\nThe service ' is up|458745723",
        ),
        (
            &q(
                r#"@'["referer url: https://hostname.com/redirect?dest=/?h=1234", "advertiser id: 24fefbca-cf27-4d62-a623-249c2ad30c73"]'"#,
                "['referer url']:string, ['advertiser id']: guid",
                r#"with (regex=@'"([\w ]+)\s*:\s*([^"]*)"')"#,
            ),
            "referer url:string, advertiser id:guid\nhttps://hostname.com/redirect?dest=/?h=1234|24fefbca-cf27-4d62-a623-249c2ad30c73",
        ),
        // Absent keys and values that do not convert are null ("" for strings); the
        // first appearance of a key wins.
        (
            &q("'a=1;a=2;b=x'", "a:long, b:long, c:string, d:long", "with (pair_delimiter=';', kv_delimiter='=')"),
            "a:long, b:long, c:string, d:long\n1|null||null",
        ),
        (
            &q("'a=1'", "a:long", "with (pair_delimiter=';')"),
            "error: parse-kv needs both `pair_delimiter` and `kv_delimiter`",
        ),
    ]);
}

#[test]
fn parse_kinds() {
    const EV: &str = r#"let Traces = datatable(EventText: string)
[
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=nonValidDateTime 08:40:01, previousLockTime=02/17/2016 08:39:01)",
"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=nonValidLongValue, sliceNumber=16, lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:00)"
];
Traces "#;
    const PAT: &str = r#"EventText with * "resourceName=" resourceName ", totalSlices=" totalSlices: long ", sliceNumber=" sliceNumber: long * "lockTime=" lockTime ", releaseTime=" releaseTime: date "," * "previousLockTime=" previousLockTime: date ")" * | project-away EventText"#;
    const COLS: &str = "resourceName:string, totalSlices:long, sliceNumber:long, lockTime:string, releaseTime:datetime, previousLockTime:datetime";
    cases(&[
        // The docs' relaxed example: a value that does not convert is null on its own.
        (
            &format!("{EV}| parse kind=relaxed {PAT}"),
            &format!("{COLS}\nPipelineScheduler|27|23|02/17/2016 08:40:01|null|2016-02-17T08:39:01Z\nPipelineScheduler|null|16|02/17/2016 08:41:00|2016-02-17T08:41:00Z|2016-02-17T08:40:00Z"),
        ),
        // ... where simple mode fails the whole match.
        (
            &format!("{EV}| parse kind=simple {PAT}"),
            &format!("{COLS}\n|null|null||null|null\n|null|null||null|null"),
        ),
        (
            &format!("{EV}| parse-where kind=relaxed {PAT} | count"),
            "Count:long\n2",
        ),
        // Regex flags: U (lazy) and i (case-insensitive), as in the docs.
        (
            &format!(r#"{EV}| parse kind=regex flags=Ui EventText with * "RESOURCENAME=" resourceName ',' * | project resourceName"#),
            "resourceName:string\nPipelineScheduler\nPipelineScheduler",
        ),
        (
            &format!(r#"{EV}| parse kind=regex EventText with * "resourcename=" resourceName ',' * | project resourceName"#),
            "resourceName:string\n\n",
        ),
    ]);
}

fn catalog_with_data() -> Catalog {
    let mut c = Catalog::new();
    let t = kql::run_query(
        "datatable(UserID:string, Salary:long)['u', 10, 'v', 20, 'u', 5]",
        &Catalog::new(),
        exec_common::test_now(),
    )
    .expect("datatable")
    .remove(0);
    c.add_table("Data", t);
    c
}

#[test]
fn restrict_alias_and_set() {
    let cat = catalog_with_data();
    const VIEW: &str = r#"let RestrictedData = view () { Data | where UserID == "u" };
restrict access to (RestrictedData);
"#;
    check_cases(
        &[
            // The docs' middle-tier example: the view reads Data, the user cannot.
            (
                &format!("{VIEW}RestrictedData | summarize s = sum(Salary)"),
                "s:long\n15",
            ),
            (
                &format!("{VIEW}Data | count"),
                "error: `Data` is not accessible: a `restrict` statement leaves it out",
            ),
            ("restrict access to (database().Data);\nData | count", "Count:long\n3"),
            ("restrict access to (Data); Data | count", "Count:long\n3"),
            // `*` keeps the lets, not the tables.
            (
                "let Test1 = () { print x=1 }; restrict access to (*); Test1",
                "x:long\n1",
            ),
            (
                "let Test1 = () { print x=1 }; restrict access to (*); Data",
                "error: `Data` is not accessible",
            ),
            (
                "let Test1 = () { print x=1 }; let Test2 = () { print y=1 }; restrict access to (Test1); Test2",
                "error: unknown column or variable `Test2`",
            ),
            // Lets after the restriction are the query's own.
            (
                "restrict access to (Data); let n = 2; Data | take n | count",
                "Count:long\n2",
            ),
            // alias only names another database: nothing to do locally.
            (
                "alias database db = cluster('https://help.kusto.windows.net').database('Samples');\nData | count",
                "Count:long\n3",
            ),
            // Request properties: query_take_max_records limits what follows; others are ignored.
            ("set query_take_max_records=2;\nData", "UserID:string, Salary:long\nu|10\nv|20"),
            ("set notruncation;\nset maxoutputcolumns=5;\nData | count", "Count:long\n3"),
        ],
        &cat,
    );
}

#[test]
fn several_names_need_a_tuple() {
    cases(&[
        (
            "print s = 'a,b' | extend (p, q) = split(s, ',')",
            "error: the expression does not have multiple named values",
        ),
        (
            "print s = 'a,b' | project (p, q) = s",
            "error: the expression does not have multiple named values",
        ),
    ]);
}

#[test]
fn union_wildcards_cover_views() {
    const VIEWS: &str = "let View_1 = view () { print x=1 };
let View_2 = view () { print x=1 };
let OtherView_1 = view () { print x=1 };
";
    cases(&[
        // The docs' isfuzzy examples.
        (
            &format!("{VIEWS}union isfuzzy=true View*, SomeView*, OtherView*\n| count"),
            "Count:long\n3",
        ),
        (
            &format!("{VIEWS}union isfuzzy=true (View_1 | where x > 0), (View_2 | where x > 0), (View_3 | where x > 0)\n| count"),
            "Count:long\n2",
        ),
        (
            &format!("{VIEWS}union withsource=T View* | order by T asc"),
            "T:string, x:long\nView_1|1\nView_2|1",
        ),
    ]);
}

#[test]
fn operators_without_a_negated_form() {
    cases(&[
        (
            "print 'a' !has_any ('b')",
            "error: `!has_any` is not an operator",
        ),
        (
            "print 'a' !matches regex 'b'",
            "error: `!matches` is not an operator",
        ),
        ("print not('a' has_any ('b', 'a'))", "print_0:bool\nfalse"),
    ]);
}

#[test]
fn project_reorder_orders() {
    const P: &str = "print b = 'b', a20 = 1, a100 = 2, a3 = 3";
    cases(&[
        (
            &format!("{P} | project-reorder a* asc"),
            "a100:long, a20:long, a3:long, b:string\n2|1|3|b",
        ),
        (
            &format!("{P} | project-reorder a* granny-asc"),
            "a3:long, a20:long, a100:long, b:string\n3|1|2|b",
        ),
        (
            &format!("{P} | project-reorder a* granny-desc"),
            "a100:long, a20:long, a3:long, b:string\n2|1|3|b",
        ),
        (
            &format!("{P} | project-reorder a* desc, b"),
            "a3:long, a20:long, a100:long, b:string\n3|1|2|b",
        ),
        (
            &format!("{P} | project-reorder b, a3"),
            "b:string, a3:long, a20:long, a100:long\nb|3|1|2",
        ),
    ]);
}

#[test]
fn dynamic_values_are_not_keys() {
    const D: &str = "datatable(x:dynamic, n:long)[dynamic([1]), 1, dynamic({'a':1}), 2]";
    const MSG: &str = "error: a value of type dynamic is not allowed as a group or sort key";
    cases(&[
        (&format!("{D} | summarize count() by x"), MSG),
        (&format!("{D} | distinct x"), MSG),
        (&format!("{D} | distinct *"), MSG),
        (&format!("{D} | sort by x"), MSG),
        (&format!("{D} | top 1 by x"), MSG),
        // A cast makes a key.
        (
            &format!("{D} | summarize s = sum(n) by k = tostring(x) | order by k asc"),
            "k:string, s:long\n[1]|1\n{\"a\":1}|2",
        ),
    ]);
}

#[test]
fn unnamed_columns_follow_kusto_result_names() {
    // Names from Kusto.Language's result-name kinds (first argument, name and first
    // argument, prefix and first argument).
    cases(&[
        (
            "print x = 1, s = 'a' | project gettype(x), repeat(s, 2), round(x), bin(x + 1, 2), strlen('abc'), split(s, ',')[0]",
            "type_x:string, repeat_s:dynamic, x:long, Column1:long, strlen_:long, s_0:dynamic\nlong|[\"a\",\"a\"]|1|2|3|a",
        ),
        (
            "print x = 1, s = 'a' | summarize sum(round(x)), sum(x * 2), max(strlen(s)), dcount(split(s, ',')[0])",
            "sum_x:long, sum_:long, max_strlen_s:long, dcount_s_0:long\n1|2|1|1",
        ),
        // `split(s, ...)` is named `s`, so it replaces `s`.
        ("print s = 'a,b' | extend split(s, ',')", "s:dynamic\n[\"a\",\"b\"]"),
        ("print s = 'a,b' | mv-expand split(s, ',') | count", "Count:long\n2"),
    ]);
}

#[test]
fn names_settled_with_kusto_language() {
    cases(&[
        // arg_max/arg_min/take_any outputs: own names, else max_/min_/any_argN; `*`
        // leaves out the by keys.
        (
            "print x=1, y=2 | summarize arg_max(x + 1, y)",
            "max_:long, y:long\n2|2",
        ),
        (
            "print x=1, y=2 | summarize arg_min(x, y + 1)",
            "x:long, min_x_arg1:long\n1|3",
        ),
        (
            "print x=1, y=2 | summarize take_any(x + 1, y)",
            "any_arg0:long, y:long\n2|2",
        ),
        ("print x=1 | summarize arg_max(x, *)", "x:long\n1"),
        (
            "print x=1, y=2 | summarize arg_max(x, *) by y",
            "y:long, x:long\n2|1",
        ),
        (
            "print x=1, y=2 | summarize take_any(*) by x",
            "x:long, y:long\n1|2",
        ),
        // The deprecated argmax/argmin name every output after the first argument,
        // `*` too (Kusto.Language's result schema; Sentinel's TI rules read
        // `max_<x>_<column>` after `argmax(x, *)`); a name names the first only.
        (
            "print k=\"a\", t=1, a=2, b=\"s\" | summarize T = argmax(t, *) by k",
            "k:string, T:long, max_t_a:long, max_t_b:string\na|1|2|s",
        ),
        (
            "print k=\"a\", t=1, a=2 | summarize argmin(t, *) by k",
            "k:string, min_t:long, min_t_a:long\na|1|2",
        ),
        (
            "print t=1, a=2, b=3 | summarize argmin(t, a, b)",
            "min_t:long, min_t_a:long, min_t_b:long\n1|2|3",
        ),
        // One extend or distinct names a column once.
        (
            "print x=1 | extend a = 1, b = a + 1, a = 3",
            "error: a column named `a` is already declared",
        ),
        ("print x=1 | extend x = x + 1", "x:long\n2"),
        (
            "print x=1 | distinct x, x",
            "error: a column named `x` is already declared",
        ),
        // union: a name's typed variants stand together where the name first appears.
        (
            "print x=1, y=2 | union (print x='a')",
            "x_long:long, x_string:string, y:long\n1||2\nnull|a|null",
        ),
    ]);
}

#[test]
fn project_bare_column_after_derived_name() {
    cases(&[
        // A derived name yields to a later bare column; two written names clash.
        (
            "print x = 1 | project tostring(x), x",
            "x:string, x1:long\n1|1",
        ),
        (
            "print x = 1 | project x1 = 5, tostring(x), x",
            "x1:long, x:string, x2:long\n5|1|1",
        ),
        (
            "print x = 1 | project x, x",
            "error: a column named `x` is already declared",
        ),
        (
            "print x = 1 | project y = x, x, y = 2",
            "error: a column named `y` is already declared",
        ),
    ]);
}
