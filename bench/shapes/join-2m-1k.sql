SELECT count(*) AS Count
FROM (SELECT x % 1000 AS k FROM range(1, {n} + 1) t(x)) l
JOIN (SELECT y AS k FROM range(1, 1001) t(y)) r USING (k)
