-- Props is JSON text (a string column); both engines parse it per row.
SELECT json_extract_string(Props, '$.geo.country') AS country, count(*) AS n,
       sum(CAST(json_extract(Props, '$.score') AS BIGINT)) AS score
FROM read_json('{dir}/Events_CL.{ext}', format = '{json_format}', columns = {Props: 'VARCHAR'})
GROUP BY country
