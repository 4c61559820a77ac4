-- kql's dcount is exact (src/functions/aggregate.rs), so the twin is count(DISTINCT);
-- Kusto's dcount is a HyperLogLog estimate (DuckDB's approx_count_distinct would be the twin).
SELECT AccountUpn, count(DISTINCT IPAddress) AS ips
FROM read_json('{dir}/EntraIdSignInEvents.{ext}', format = '{json_format}',
               columns = {AccountUpn: 'VARCHAR', IPAddress: 'VARCHAR'})
GROUP BY AccountUpn
