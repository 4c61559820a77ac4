-- Kusto's kind=inner keeps every matching pair (no deduplication of the left side).
SELECT a.ResultType, e.OSPlatform, count(*) AS n
FROM read_json('{dir}/AADNonInteractiveUserSignInLogs.{ext}', format = '{json_format}',
               columns = {UserPrincipalName: 'VARCHAR', ResultType: 'VARCHAR'}) a
JOIN (SELECT AccountUpn, OSPlatform
      FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}',
                     columns = {AccountUpn: 'VARCHAR', OSPlatform: 'VARCHAR', ErrorCode: 'INTEGER'})
      WHERE ErrorCode = 0) e
  ON a.UserPrincipalName = e.AccountUpn
GROUP BY a.ResultType, e.OSPlatform
