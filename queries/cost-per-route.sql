-- cost-per-route: the estimated Lambda cost of each entry point (API route or trigger).
-- Every invocation is priced as in cost-per-function and counted under the entry point of its
-- trace (an API route, the function that started the trace, or `untraced`): the derived
-- table `route_costs` (queries/route-costs.sql, which says how an entry point is found)
-- holds, per pass over the traces, the requests, invocations and unrounded USD of each
-- entry point; this query adds the passes up.
-- usd_per_million = est_total_usd per million requests. The routes add up to the total of
-- cost-per-function.
SELECT
    route,
    kind,
    SUM(requests) AS requests,
    SUM(invocations) AS invocations,
    ROUND(SUM(usd), 6) AS est_total_usd,
    ROUND(SUM(usd) / SUM(requests) * 1000000.0, 6) AS usd_per_million
FROM route_costs
GROUP BY route, kind
ORDER BY est_total_usd DESC, route, kind
