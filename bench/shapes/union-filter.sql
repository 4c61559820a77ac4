-- The union's filter, read per table (the column the other table lacks is null there).
SELECT 'EntraIdSignInEvents' AS Source, count(*) AS n
FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}',
               columns = {ErrorCode: 'INTEGER'})
WHERE ErrorCode = 0
UNION ALL
SELECT 'AADNonInteractiveUserSignInLogs' AS Source, count(*) AS n
FROM read_json('{dir}/AADNonInteractiveUserSignInLogs.{ext}', format = '{json_format}',
               columns = {ResultType: 'VARCHAR'})
WHERE ResultType = '0'
