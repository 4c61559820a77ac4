SELECT x % 100 AS k, count(*) AS count_
FROM range(1, {n} + 1) t(x)
GROUP BY k
