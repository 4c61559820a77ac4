SELECT AccountUpn, count(*) AS n
FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}',
               columns = {AccountUpn: 'VARCHAR', ErrorCode: 'INTEGER'})
WHERE ErrorCode = 0
GROUP BY AccountUpn
