"""Turn a benchmark run into goal verdicts and a Markdown table.

Each size is measured in two passes (bench/__main__.py): "pages" with the production
configuration (anonymous pages from the page cache) and "pages_uncached" with the cache off.
Throughput against /healthz is judged on the production pass; flat cost and the search latency
on the uncached pass, where every request does the page's real work.
"""

MEASURED_PAGES = (
    "directory",
    "directory_deep",
    "directory_filtered",
    "search_2char",
    "profile",
    "resources",
    "council",
)


def _ratio(run: dict, page: str, key: str = "pages") -> float | None:
    pages = run[key]
    if page not in pages or not pages["healthz"]["rps"] or pages[page]["errors"]:
        return None
    return pages[page]["rps"] / pages["healthz"]["rps"]


def goals(data: dict) -> list[dict]:
    """Check every goal of issue 7 against the runs; each verdict says what was compared."""
    verdicts = []
    for engine in sorted({r["engine"] for r in data["runs"]}):
        runs = sorted((r for r in data["runs"] if r["engine"] == engine), key=lambda r: r["size"])
        small, large = runs[0], runs[-1]
        for run in runs:
            for page in MEASURED_PAGES:
                ratio = _ratio(run, page)
                verdicts.append(
                    {
                        "engine": engine,
                        "goal": f"{page} rps ≥ 0.30 × healthz @ {run['size']} (production config)",
                        "value": None if ratio is None else round(ratio, 3),
                        "met": ratio is not None and ratio >= 0.30,
                    }
                )
        work = "pages_uncached" if "pages_uncached" in large else "pages"
        note = " (uncached)" if work == "pages_uncached" else ""
        if small is not large:
            for page in MEASURED_PAGES:
                a, b = small[work].get(page), large[work].get(page)
                measurable = a and b and a["p95_ms"] and not a["errors"] and not b["errors"]
                growth = b["p95_ms"] / a["p95_ms"] if measurable else None
                verdicts.append(
                    {
                        "engine": engine,
                        "goal": f"{page} p95 @ {large['size']} ≤ 1.3 × p95 @ {small['size']}{note}",
                        "value": None if growth is None else round(growth, 2),
                        "met": growth is not None and growth <= 1.3,
                    }
                )
        search = large[work].get("search_2char")
        if search:
            verdicts.append(
                {
                    "engine": engine,
                    "goal": f"2-char search p95 ≤ 50 ms @ {large['size']}{note}",
                    "value": search["p95_ms"] if not search["errors"] else None,
                    "met": search["p95_ms"] <= 50 and not search["errors"],
                }
            )
        rss = large.get("worker_peak_rss_mb") or []
        if rss:
            verdicts.append(
                {
                    "engine": engine,
                    "goal": f"peak RSS per worker ≤ 150 MB @ {large['size']}",
                    "value": max(rss),
                    "met": max(rss) <= 150,
                }
            )
        storm = large.get("storm")
        if storm:
            verdicts.append(
                {
                    "engine": engine,
                    "goal": "vote storm ≥ 200 ballots/s, 0 errors, 0 lost/duplicated",
                    "value": storm.get("ballots_per_second"),
                    "met": storm.get("ballots_per_second", 0) >= 200 and storm.get("ok", False),
                }
            )
            if "tally_100k_seconds" in storm:
                verdicts.append(
                    {
                        "engine": engine,
                        "goal": "tally of 100,000 ballots ≤ 1 s",
                        "value": storm["tally_100k_seconds"],
                        "met": storm["tally_100k_seconds"] <= 1,
                    }
                )
    return verdicts


def markdown(data: dict) -> str:
    lines = [
        f"# Benchmark {data['date']} (commit {data['commit']})",
        "",
        f"{data['machine']['cores']} cores, Python {data['machine']['python']}, gunicorn "
        f"{data['settings']['workers']} sync workers, {data['settings']['seconds']} s per page. "
        f"Pass *cached*: production config (anonymous pages from the page cache), "
        f"{data['settings']['connections']} connections. Pass *uncached*: PAGE_CACHE_SECONDS=0, "
        f"{data['settings'].get('uncached_connections', '?')} connections (one per worker: "
        "latencies are service times). ×healthz compares with /healthz in the same server run.",
        "",
    ]
    lines += [
        "| engine | units | page | pass | req/s | ×healthz | p50 ms | p95 ms | errors |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in data["runs"]:
        for key, label in (("pages", "cached"), ("pages_uncached", "uncached")):
            for name, page in run.get(key, {}).items():
                ratio = _ratio(run, name, key)
                lines.append(
                    f"| {run['engine']} | {run['units']} | {name} | {label} | {page['rps']} | "
                    f"{'' if ratio is None else f'{ratio:.2f}'} | {page['p50_ms']} | "
                    f"{page['p95_ms']} | {page['errors']} |"
                )
    lines += [
        "",
        "| engine | units | data load s | peak RSS per worker MB |",
        "|---|---:|---:|---|",
    ]
    for run in data["runs"]:
        lines.append(
            f"| {run['engine']} | {run['units']} | {run['load_seconds']} | "
            f"{', '.join(str(x) for x in run.get('worker_peak_rss_mb', []))} |"
        )
    storms = [r for r in data["runs"] if r.get("storm")]
    if storms:
        lines += [
            "",
            "| engine | electorate | accepted once | accepted twice | duplicates sent | refused 409 "
            "| 5xx | other | ballots/s | stored ballots | tally s (service) | tally s (pure) "
            "| tally 100k s | all checks |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for run in storms:
            s = run["storm"]
            lines.append(
                f"| {run['engine']} | {s.get('electorate')} | {s.get('accepted')} | "
                f"{s.get('accepted_twice')} | {s.get('duplicates_sent')} | {s.get('refused')} | "
                f"{s.get('server_errors')} | {s.get('other_status')} | {s.get('ballots_per_second')} | "
                f"{s.get('ballots_stored')} | {s.get('tally_seconds')} | {s.get('tally_pure_seconds')} | "
                f"{s.get('tally_100k_seconds')} | {'yes' if s.get('ok') else '**no**'} |"
            )
    lines += ["", "| engine | goal | value | met |", "|---|---|---:|---|"]
    for g in data["goals"]:
        lines.append(
            f"| {g['engine']} | {g['goal']} | {g['value']} | {'yes' if g['met'] else '**no**'} |"
        )
    lines.append("")
    per_engine = ", ".join(f"{k} {v} s" for k, v in data.get("engine_seconds", {}).items())
    lines.append(f"Total time {data['total_seconds']} s ({per_engine}).")
    return "\n".join(lines) + "\n"
