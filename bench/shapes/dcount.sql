-- kql's dcount is exact (src/functions/aggregate.rs), so the twin is count(DISTINCT).
SELECT count(DISTINCT x % {keys}) AS dcount_
FROM range(1, {n} + 1) t(x)
