SELECT count(*) AS Count
FROM (SELECT DISTINCT AccountUpn, IPAddress
      FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}',
                     columns = {AccountUpn: 'VARCHAR', IPAddress: 'VARCHAR'}))
