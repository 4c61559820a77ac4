SELECT count(*) AS groups, sum(c) AS total, sum(k) AS ksum
FROM (SELECT x % {keys} AS k, count(*) AS c FROM range(1, {n} + 1) t(x) GROUP BY k)
