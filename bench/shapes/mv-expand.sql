SELECT count(*) AS count_, sum(a) AS sum_a
FROM (SELECT unnest([x, x + 1, x + 2, x + 3, x + 4]) AS a FROM range(1, {n} + 1) t(x))
