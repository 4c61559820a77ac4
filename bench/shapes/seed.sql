-- A hand translation of queries/suspicious-noninteractive-signins.kql to DuckDB SQL, for
-- bench/suite.py: the same rows as kql on the generated data (the suite checks it).
-- Placeholders filled in by bench/suite.py: {dir} (the data folder), {ext} (jsonl or json),
-- {json_format} (newline_delimited or array), {now}.
-- Translation notes:
--   * `has "x"` is a term match (KQL-SEMANTICS.md §3): the needle not preceded / followed
--     by an alphanumeric character on the sides where it is alphanumeric itself;
--   * make_set keeps values in order of first appearance: the lists here are only used
--     as sets, and sessions are ordered by first appearance (`first_rn`) so that
--     `take 500` keeps the same sessions as kql;
--   * HistoricalIPs' make_set(IPAddress, 200) is never used in the output: left out.
SET TimeZone = 'UTC';
WITH
aad AS (
    SELECT *, row_number() OVER () AS rn
    FROM read_json('{dir}/AADNonInteractiveUserSignInLogs.{ext}', format = '{json_format}', columns = {
        TimeGenerated: 'TIMESTAMPTZ', ResultType: 'VARCHAR', UserAgent: 'VARCHAR',
        CorrelationId: 'VARCHAR', IPAddress: 'VARCHAR', AppDisplayName: 'VARCHAR',
        UserPrincipalName: 'VARCHAR'})
),
sess_rows AS (
    SELECT rn, UserPrincipalName, CorrelationId, IPAddress, AppDisplayName, TimeGenerated,
        CASE
            WHEN regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])msal($|[^[:alnum:]])') THEN 'MSAL-Client'
            WHEN regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])windows-azuread-authentication-provider($|[^[:alnum:]])') THEN 'Windows-Auth-Provider'
            WHEN regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])dalvik($|[^[:alnum:]])') THEN 'Android-App'
            WHEN regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])cfnetwork($|[^[:alnum:]])') THEN 'iOS-App'
            WHEN regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])microsoft authenticator($|[^[:alnum:]])') THEN 'Authenticator-App'
            WHEN regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])(python|curl|powershell|okhttp|axios|go-http|requests|wget)($|[^[:alnum:]])')
              OR regexp_matches(UserAgent, '(?i)(^|[^[:alnum:]])java/') THEN 'Suspicious-Tool'
            WHEN starts_with(lower(UserAgent), 'mozilla') THEN 'Browser'
            ELSE 'Unknown'
        END AS UAType,
        regexp_replace(UserAgent, '\d+\.\d+\.\d+\.\d+', 'x.x.x.x', 'g') AS UANormalized
    FROM aad
    WHERE TimeGenerated >= TIMESTAMPTZ '{now}' - INTERVAL 1 HOUR
      AND ResultType = '0'
      AND coalesce(UserAgent, '') <> ''
      AND coalesce(CorrelationId, '') <> ''
),
sessions AS (
    SELECT UserPrincipalName, CorrelationId,
        list_slice(list(DISTINCT UAType), 1, 20) AS UATypes,
        list_slice(list(DISTINCT UANormalized), 1, 20) AS UAList,
        list_slice(list(DISTINCT IPAddress), 1, 20) AS IPList,
        list_slice(list(DISTINCT AppDisplayName), 1, 10) AS AppList,
        min(TimeGenerated) AS FirstSeen, max(TimeGenerated) AS LastSeen,
        count(*) AS SignInCount, min(rn) AS first_rn
    FROM sess_rows
    GROUP BY UserPrincipalName, CorrelationId
),
suspicious AS (
    SELECT *, len(UAList) AS UACount, len(IPList) AS IPCount,
        list_contains(UATypes, 'Suspicious-Tool') AS HasSuspiciousTool,
        list_contains(UATypes, 'Browser') AS HasBrowser,
        true AS IsUASuspicious
    FROM sessions
    WHERE list_contains(UATypes, 'Suspicious-Tool')
       OR (list_contains(UATypes, 'Browser') AND len(UAList) >= 2)
    ORDER BY first_rn
    LIMIT 500
),
historical AS (
    SELECT AccountUpn, IPAddress, count(*) AS IPSeenCount
    FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}', columns = {
        Timestamp: 'TIMESTAMPTZ', ErrorCode: 'INTEGER', AccountUpn: 'VARCHAR',
        IPAddress: 'VARCHAR'})
    WHERE Timestamp >= TIMESTAMPTZ '{now}' - INTERVAL 29 DAY
      AND Timestamp < TIMESTAMPTZ '{now}' - INTERVAL 1 HOUR
      AND ErrorCode = 0
      AND AccountUpn IN (SELECT UserPrincipalName FROM suspicious)
    GROUP BY AccountUpn, IPAddress
),
joined AS (
    SELECT s.*, h.IPSeenCount
    FROM (SELECT *, unnest(IPList) AS CurrentIP FROM suspicious) s
    LEFT JOIN historical h
      ON s.UserPrincipalName = h.AccountUpn AND s.CurrentIP = h.IPAddress
),
per_session AS (
    SELECT UserPrincipalName, CorrelationId,
        any_value(UATypes) AS UATypes, any_value(UACount) AS UACount,
        any_value(UAList) AS UAList, any_value(IPList) AS IPList,
        any_value(IPCount) AS IPCount, any_value(AppList) AS AppList,
        any_value(FirstSeen) AS FirstSeen, any_value(LastSeen) AS LastSeen,
        any_value(SignInCount) AS SignInCount,
        any_value(HasSuspiciousTool) AS HasSuspiciousTool,
        any_value(IsUASuspicious) AS IsUASuspicious,
        count(*) FILTER (WHERE IPSeenCount IS NULL) AS NewIPCount,
        min(coalesce(CAST(IPSeenCount AS DOUBLE), 0.0)) AS MinIPSeenCount,
        max(coalesce(CAST(IPSeenCount AS DOUBLE), 0.0)) AS MaxIPSeenCount
    FROM joined
    GROUP BY UserPrincipalName, CorrelationId
),
rated AS (
    SELECT *,
        CASE WHEN NewIPCount > 0 THEN 'High - new IP for this User'
             WHEN MinIPSeenCount < 3 THEN 'Medium - rare IP'
             ELSE 'Low - knwon IP' END AS WorstIPRisk
    FROM per_session
),
graded AS (
    SELECT *,
        CASE WHEN HasSuspiciousTool AND NewIPCount > 0 THEN 'High'
             WHEN IsUASuspicious AND WorstIPRisk LIKE 'High%' THEN 'High'
             WHEN IsUASuspicious AND WorstIPRisk LIKE 'Medium%' THEN 'Medium'
             ELSE 'Low' END AS Severity
    FROM rated
)
SELECT Severity, UserPrincipalName, CorrelationId, UACount, UATypes, UAList,
    HasSuspiciousTool, NewIPCount, IPCount, IPList, MinIPSeenCount, MaxIPSeenCount,
    WorstIPRisk, AppList, FirstSeen, LastSeen, SignInCount
FROM graded
WHERE Severity IN ('High', 'Medium')
ORDER BY Severity ASC, NewIPCount DESC;
