SELECT count(*) AS n, sum(b) AS s
FROM range(1, {n} + 1) l(a)
JOIN (SELECT b, (b * 7) % {n} + 1 AS a FROM range(1, {n} + 1) r(b)) r USING (a)
