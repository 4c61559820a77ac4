-- Random values differ between engines: only the row count is compared.
SELECT x, floor(random() * 10000000) AS v
FROM range(1, {n} + 1) t(x)
ORDER BY v DESC
LIMIT 3
