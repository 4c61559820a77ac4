-- No schema: DuckDB infers the columns (read_json_auto), as kql must.
SELECT AccountUpn, count(*) AS count_
FROM read_json_auto('{dir}/MyLogs_CL.{ext}')
GROUP BY AccountUpn
