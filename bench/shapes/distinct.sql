SELECT count(*) AS Count
FROM (SELECT DISTINCT x % {keys} AS k FROM range(1, {n} + 1) t(x))
