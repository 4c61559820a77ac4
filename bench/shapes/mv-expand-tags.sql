SELECT Tag, count(*) AS n
FROM (SELECT unnest(Tags) AS Tag
      FROM read_json('{dir}/Events_CL.{ext}', format = '{json_format}',
                     columns = {Tags: 'VARCHAR[]'}))
GROUP BY Tag
