-- The built-in schema's column types, declared (as kql knows them from schemas/).
SELECT AccountUpn, count(*) AS count_
FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}',
               columns = {AccountUpn: 'VARCHAR'})
GROUP BY AccountUpn
