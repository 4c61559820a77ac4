//! Documented examples of the function library (Kusto's docs pages), run end to end:
//! (query, expected rendering) rows, the expected values being the docs' printed output.

mod exec_common;

use exec_common::check_cases;
use kql::Catalog;

fn cases(rows: &[(&str, &str)]) {
    check_cases(rows, &Catalog::new());
}

#[test]
fn unit_conversions() {
    cases(&[
        (
            "print result = convert_energy(1.2, 'Joule', 'BritishThermalUnit')",
            "result:real\n0.0011373805443759806",
        ),
        (
            "print result = convert_force(1.2, 'Newton', 'Decanewton')",
            "result:real\n0.12",
        ),
        (
            "print result = convert_mass(1.2, 'Kilogram', 'Pound')",
            "result:real\n2.6455471462185307",
        ),
        (
            "print result = convert_temperature(1.2, 'Kelvin', 'DegreeCelsius')",
            "result:real\n-271.95",
        ),
        (
            "print result = convert_length(1.2, 'Meter', 'Foot')",
            "result:real\n3.9370078740157477",
        ),
        (
            "print result = convert_volume(1.2, 'CubicMeter', 'AcreFoot')",
            "result:real\n0.0009728568",
        ),
        (
            "print result = convert_angle(1.2, 'Degree', 'Arcminute')",
            "result:real\n72",
        ),
        (
            "print result = convert_speed(1.2, 'MeterPerSecond', 'CentimeterPerHour')",
            "result:real\n432000",
        ),
        (
            "print a = convert_speed(1.2, 'MeterPerSecond', 'KilometerPerHour'), b = convert_angle(180, 'Degree', 'Radian')",
            "a:real, b:real\n4.32|3.141592653589793",
        ),
        // Unit names are matched without regard to case; an unknown unit gives null.
        (
            "print a = convert_length(1, 'kilometer', 'METER'), b = convert_mass(1, 'Gram', 'Parsec')",
            "a:real, b:real\n1000|null",
        ),
    ]);
}

#[test]
fn environment_values() {
    cases(&[
        (
            r#"print strcat("Database in scope: ", current_database())"#,
            "print_0:string\nDatabase in scope: NetDefaultDB",
        ),
        ("print fqn=current_principal()", "fqn:string\n<null identity>"),
        (
            "print d = current_principal_details().FQN, m = current_principal_is_member_of('aadgroup=x')",
            "d:dynamic, m:bool\n<null identity>|false",
        ),
        // The cursor is the query's clock in ticks (2026-05-18T12:00:00Z in tests).
        ("print c = cursor_current()", "c:string\n639147024000000000"),
        ("print t = ingestion_time()", "t:datetime\nnull"),
    ]);
}

#[test]
fn assert_is_checked_when_the_query_is_analysed() {
    cases(&[
        (
            "let checkLength = (len:long, s:string) { assert(len > 0, \"Length must be greater than zero\") and strlen(s) > len }; \
             datatable(input:string)['123', '4567'] | where checkLength(len=3, input)",
            "input:string\n4567",
        ),
        (
            "print assert(1 > 2, 'one is not more than two')",
            "error: `assert`: assert() has failed with message: 'one is not more than two'",
        ),
    ]);
}

#[test]
fn versions_and_user_agents() {
    cases(&[
        (
            "datatable(v:string)['0.0.0.5', '0.2', '1', '1.2.3.4', 'x'] \
             | extend newer = parse_version(v) > parse_version('0.1')",
            "v:string, newer:bool\n0.0.0.5|false\n0.2|true\n1|true\n1.2.3.4|true\nx|null",
        ),
        (
            r#"print x = parse_user_agent("Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1", "browser")"#,
            r#"x:dynamic
{"Browser":{"Family":"AdobeAIR","MajorVersion":"2","MinorVersion":"5","Patch":"1"}}"#,
        ),
        (
            r#"print x = parse_user_agent("Mozilla/5.0 (SymbianOS/9.2; U; Series60/3.1 NokiaN81-3/10.0.032 Profile/MIDP-2.0 Configuration/CLDC-1.1 ) AppleWebKit/413 (KHTML, like Gecko) Safari/4", dynamic(["browser","os","device"]))"#,
            r#"x:dynamic
{"Browser":{"Family":"Nokia OSS Browser","MajorVersion":"3","MinorVersion":"1","Patch":""},"OperatingSystem":{"Family":"Symbian OS","MajorVersion":"9","MinorVersion":"2","Patch":"","PatchMinor":""},"Device":{"Family":"Nokia N81","Brand":"Nokia","Model":"N81-3"}}"#,
        ),
    ]);
}

#[test]
fn compression() {
    cases(&[
        (
            r#"print zcomp = zlib_compress_to_base64_string("1234567890qwertyuiop")"#,
            "zcomp:string\neAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw==",
        ),
        (
            r#"print res = gzip_compress_to_base64_string("1234567890qwertyuiop")"#,
            "res:string\nH4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==",
        ),
        (
            r#"print res=gzip_decompress_from_base64_string("H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==")"#,
            "res:string\n1234567890qwertyuiop",
        ),
        (
            r#"print zcomp = zlib_decompress_from_base64_string("eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw==")"#,
            "zcomp:string\n1234567890qwertyuiop",
        ),
        (
            r#"print zcomp = zlib_decompress_from_base64_string("x0x0x0")"#,
            "zcomp:string\n",
        ),
        (
            "print s = zlib_decompress_from_base64_string(zlib_compress_to_base64_string(strrep('abc', 50)))",
            &format!("s:string\n{}", "abc".repeat(50)),
        ),
    ]);
}

#[test]
fn time_zones() {
    cases(&[
        (
            "range Local from datetime(2022-03-27 01:00:00.0000000) to datetime(2022-03-27 04:00:00.0000000) step 1h \
             | extend UTC=datetime_local_to_utc(Local, 'Europe/Brussels') \
             | extend BackToLocal=datetime_utc_to_local(UTC, 'Europe/Brussels') \
             | extend diff=Local-BackToLocal",
            "Local:datetime, UTC:datetime, BackToLocal:datetime, diff:timespan\n\
             2022-03-27T01:00:00Z|2022-03-27T00:00:00Z|2022-03-27T01:00:00Z|00:00:00\n\
             2022-03-27T02:00:00Z|2022-03-27T00:00:00Z|2022-03-27T01:00:00Z|01:00:00\n\
             2022-03-27T03:00:00Z|2022-03-27T01:00:00Z|2022-03-27T03:00:00Z|00:00:00\n\
             2022-03-27T04:00:00Z|2022-03-27T02:00:00Z|2022-03-27T04:00:00Z|00:00:00",
        ),
        (
            "print dt=datetime(2026-08-02 23:56:37) \
             | extend pacific_dt = datetime_utc_to_local(dt, 'US/Pacific'), canberra_dt = datetime_utc_to_local(dt, 'Australia/Canberra') \
             | extend diff = pacific_dt - canberra_dt",
            "dt:datetime, pacific_dt:datetime, canberra_dt:datetime, diff:timespan\n\
             2026-08-02T23:56:37Z|2026-08-02T16:56:37Z|2026-08-03T09:56:37Z|-17:00:00",
        ),
        (
            "print a = datetime_utc_to_local(datetime(2022-01-01), 'No/Such_Zone'), n = array_length(datetime_list_timezones()) > 400",
            "a:datetime, n:bool\nnull|true",
        ),
    ]);
}

#[test]
fn several_arrays_sorted_together() {
    cases(&[
        (
            r#"let array1 = dynamic([1,3,4,5,2]); let array2 = dynamic(["a","b","c","d","e"]); print array_sort_asc(array1,array2)"#,
            r#"array1_sorted:dynamic, array2_sorted:dynamic
[1,2,3,4,5]|["a","e","b","c","d"]"#,
        ),
        (
            r#"let array1 = dynamic([1,3,4,5,2]); let array2 = dynamic(["a","b","c","d","e"]); print array_sort_desc(array1,array2)"#,
            r#"array1_sorted:dynamic, array2_sorted:dynamic
[5,4,3,2,1]|["d","c","b","e","a"]"#,
        ),
        (
            "datatable(command:string, command_time:datetime, user_id:string)\
             ['chmod', datetime(2019-07-15), 'user1', 'ls', datetime(2019-07-02), 'user1', 'dir', datetime(2019-07-22), 'user1', \
              'rm', datetime(2019-07-23), 'user2', 'pwd', datetime(2019-07-25), 'user2'] \
             | summarize timestamps = make_list(command_time), commands = make_list(command) by user_id \
             | project user_id, commands_in_chronological_order = array_sort_asc(timestamps, commands)[1] | sort by user_id asc",
            r#"user_id:string, commands_in_chronological_order:dynamic
user1|["ls","chmod","dir"]
user2|["rm","pwd"]"#,
        ),
        (
            "print x = 1 | extend (a, b) = array_sort_asc(dynamic([3, 1, 2]), dynamic(['c', 'a']))",
            r#"x:long, a:dynamic, b:dynamic
1|[1,2,3]|null"#,
        ),
        (
            r#"print result=array_sort_desc(dynamic([null,"blue","yellow","green",null]), false)"#,
            r#"result:dynamic
[null,null,"yellow","green","blue"]"#,
        ),
    ]);
}

#[test]
fn packing_and_paths() {
    cases(&[
        (
            r#"datatable(Id: string, Value: string, Other: long)["A", "val_a", 1, "B", "val_b", 2] | extend Packed = bag_pack_columns(Id, Value)"#,
            r#"Id:string, Value:string, Other:long, Packed:dynamic
A|val_a|1|{"Id":"A","Value":"val_a"}
B|val_b|2|{"Id":"B","Value":"val_b"}"#,
        ),
        (
            r#"print a = treepath(parse_json('{"a":"b", "c":123}')), b = treepath(parse_json('{"prop1":[1,2,3,4], "prop2":"value2"}')), c = treepath(parse_json('{"listProperty":[100,200,300,"abcde",{"x":"y"}]}'))"#,
            r#"a:dynamic, b:dynamic, c:dynamic
["['a']","['c']"]|["['prop1']","['prop1'][0]","['prop2']"]|["['listProperty']","['listProperty'][0]","['listProperty'][0]['x']"]"#,
        ),
        (
            r#"print j = dynamic_to_json(dynamic({"b": 1, "a": [{"z": 1, "y": 2}]})), u = to_utf8("A€")"#,
            r#"j:string, u:dynamic
{"a":[{"y":2,"z":1}],"b":1}|[65,226,130,172]"#,
        ),
        (
            r#"datatable(start:string, end:string)["127.0.0.1", "127.0.0.128", "192.168.1.7", "192.168.1.10"] | project ipv4_range_list = ipv4_range_to_cidr_list(start, end)"#,
            r#"ipv4_range_list:dynamic
["127.0.0.1/32","127.0.0.2/31","127.0.0.4/30","127.0.0.8/29","127.0.0.16/28","127.0.0.32/27","127.0.0.64/26","127.0.0.128/32"]
["192.168.1.7/32","192.168.1.8/31","192.168.1.10/32"]"#,
        ),
        (
            "let url = @'https://www.bing.com/hello world/'; print encoded = url_encode_component(url), form = url_encode(url)",
            "encoded:string, form:string\nhttps%3a%2f%2fwww.bing.com%2fhello%20world%2f|https%3a%2f%2fwww.bing.com%2fhello+world%2f",
        ),
    ]);
}

#[test]
fn serialized_ranks_and_sessions() {
    cases(&[
        (
            r#"datatable(Category:string, Item:string, Value:int)["A", "item1", 10, "A","item2", 10, "A", "item3", 5, "A", "item4", 20, "B", "item2", 5, "B", "item1", 7]
            | sort by Category asc, Value asc
            | extend rank = row_rank_min(Value, Category != prev(Category)), dense = row_rank_dense(Value, Category != prev(Category))"#,
            "Category:string, Item:string, Value:int, rank:long, dense:long\n\
             A|item3|5|1|1\nA|item1|10|2|2\nA|item2|10|2|2\nA|item4|20|4|3\nB|item2|5|1|1\nB|item1|7|2|2",
        ),
        (
            r#"datatable (ID:string, Timestamp:datetime) ["1", datetime(2024-04-11 10:00:00), "2", datetime(2024-04-11 10:18:00),
              "1", datetime(2024-04-11 11:00:00), "3", datetime(2024-04-11 11:30:00), "2", datetime(2024-04-11 13:30:00), "2", datetime(2024-04-11 10:16:00)]
            | sort by ID asc, Timestamp asc
            | extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))"#,
            "ID:string, Timestamp:datetime, SessionStarted:datetime\n\
             1|2024-04-11T10:00:00Z|2024-04-11T10:00:00Z\n\
             1|2024-04-11T11:00:00Z|2024-04-11T11:00:00Z\n\
             2|2024-04-11T10:16:00Z|2024-04-11T10:16:00Z\n\
             2|2024-04-11T10:18:00Z|2024-04-11T10:16:00Z\n\
             2|2024-04-11T13:30:00Z|2024-04-11T13:30:00Z\n\
             3|2024-04-11T11:30:00Z|2024-04-11T11:30:00Z",
        ),
    ]);
}

#[test]
fn session_limits_are_exclusive() {
    cases(&[
        (
            "range t from datetime(2024-01-01) to datetime(2024-01-01 00:20) step 5m \
             | extend s = row_window_session(t, 10m, 5m), s2 = row_window_session(t, 10m, 6m)",
            "t:datetime, s:datetime, s2:datetime\n\
             2024-01-01T00:00:00Z|2024-01-01T00:00:00Z|2024-01-01T00:00:00Z\n\
             2024-01-01T00:05:00Z|2024-01-01T00:05:00Z|2024-01-01T00:00:00Z\n\
             2024-01-01T00:10:00Z|2024-01-01T00:10:00Z|2024-01-01T00:10:00Z\n\
             2024-01-01T00:15:00Z|2024-01-01T00:15:00Z|2024-01-01T00:10:00Z\n\
             2024-01-01T00:20:00Z|2024-01-01T00:20:00Z|2024-01-01T00:20:00Z",
        ),
        (
            r#"datatable (Airport:string, Airline:string, Departures:long)["SEA", "LH", 3, "SEA", "LY", 100, "SEA", "UA", 3, "SEA", "BA", 2, "SEA", "EL", 3, "AMS", "EL", 1, "AMS", "BA", 1]
            | sort by Airport desc, Departures asc, Airline asc
            | extend Rank=row_rank_dense(Departures, prev(Airport) != Airport)"#,
            "Airport:string, Airline:string, Departures:long, Rank:long\n\
             SEA|BA|2|1\nSEA|EL|3|2\nSEA|LH|3|2\nSEA|UA|3|2\nSEA|LY|100|3\nAMS|BA|1|1\nAMS|EL|1|1",
        ),
    ]);
}

#[test]
fn aliases_and_exact_distinct_counts() {
    cases(&[
        (
            r#"print a = parsejson('{"x":1}').x, b = weekofyear(datetime(2015-12-14)), c = notempty(''), d = arraylength(dynamic([1,2])), e = make_string(75, 117)"#,
            "a:dynamic, b:long, c:bool, d:long, e:string\n1|51|false|2|Ku",
        ),
        (
            "range x from 1 to 10 step 1 | summarize count_distinct(x % 3), count_distinctif(x, x > 4)",
            "count_distinct_:long, count_distinctif_x:long\n3|6",
        ),
        ("print g = gamma(5)", "g:real\n24"),
    ]);
}

#[test]
fn csv_and_xml() {
    cases(&[
        (
            r#"print result=parse_csv('aa,"b,b,b",cc,"Escaping quotes: ""Title""","line1\nline2"')"#,
            r#"result:dynamic
["aa","b,b,b","cc","Escaping quotes: \"Title\"","line1\nline2"]"#,
        ),
        (
            r#"print result_multi_record=parse_csv('record1,a,b,c\nrecord2,x,y,z')"#,
            r#"result_multi_record:dynamic
["record1","a","b","c"]"#,
        ),
        (
            r#"print d = parse_xml('<?xml version="1.0" encoding="UTF-8"?><duration><value>118.0</value><min>100.0</min></duration>')
            | extend duration_value=d.duration.value, duration_min=d["duration"]["min"]"#,
            r#"d:dynamic, duration_value:dynamic, duration_min:dynamic
{"duration":{"value":"118.0","min":"100.0"}}|118.0|100.0"#,
        ),
        (
            r#"print e = parse_xml("<EventData><Data Name='TargetUserName'>alice</Data><Data Name='IpAddress'>10.0.0.1</Data></EventData>").EventData.Data[1]['#text'], bad = parse_xml('<a>')"#,
            "e:dynamic, bad:dynamic\n10.0.0.1|null",
        ),
    ]);
}

#[test]
fn schema_of_dynamic_values() {
    cases(&[(
        r#"datatable(value: dynamic) [
            dynamic({"x":1, "y":3.5}),
            dynamic({"x":"somevalue", "z":[1, 2, 3]}),
            dynamic({"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]})
        ]
        | summarize buildschema(value)"#,
        r#"schema_value:dynamic
{"x":["long","string"],"y":["double",{"w":"string"}],"z":{"`indexer`":["long","string"]},"t":{"`indexer`":"string"}}"#,
    )]);
}

#[test]
fn beta_distribution() {
    cases(&[
        (
            r#"datatable(x:double, alpha:double, beta:double)[0.9, 10.0, 20.0, 1.5, 10.0, 20.0, double(-10), 10.0, 20.0, 0.1, double(-1.0), 20.0]
            | project b = round(beta_cdf(x, alpha, beta), 12)"#,
            "b:real\n1\nNaN\nNaN\nNaN",
        ),
        (
            "print p = round(beta_pdf(0.5, 10, 20), 12), i = round(beta_inv(0.1, 10, 20), 12), none = beta_inv(1.5, 10, 20), nan = beta_inv(0.1, -1, 20)",
            "p:real, i:real, none:real, nan:real\n0.746176019311|0.226415022389|null|NaN",
        ),
        ("print l = loggamma(5) == log(24)", "l:bool\ntrue"),
    ]);
}

#[test]
fn data_size_and_welch() {
    cases(&[
        (
            "range x from 1 to 10 step 1 | extend Text = '1234567890' | summarize Total=sum(estimate_data_size(*))",
            "Total:long\n180",
        ),
        (
            "range x from 1 to 2 step 1 | extend y = x * 2 | project pack_array(*)",
            "Column1:dynamic\n[1,2]\n[2,4]",
        ),
        (
            "print s = estimate_data_size(1, 'ab', int(3), dynamic([1]))",
            "s:long\n17",
        ),
        (
            "print s1 = dynamic([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]), \
                   s2 = dynamic([27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]) \
             | mv-expand s1 to typeof(double), s2 to typeof(double) \
             | summarize m1=avg(s1), v1=variance(s1), c1=count(), m2=avg(s2), v2=variance(s2), c2=count() \
             | project pValue = round(welch_test(m1,v1,c1,m2,v2,c2), 3)",
            "pValue:real\n0.021",
        ),
    ]);
}

#[test]
fn hashes_of_datetimes() {
    cases(&[
        (
            r#"print result=hash(datetime("2015-01-01"))"#,
            "result:long\n1380966698541616202",
        ),
        (
            r#"print a = hash("World"), b = hash("World", 100)"#,
            "a:long, b:long\n1846988464401551951|51",
        ),
    ]);
}
