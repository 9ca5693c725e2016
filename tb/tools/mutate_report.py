"""The mutation campaign's HTML page (``build/mutate/report.html``), from its summary dict."""

from __future__ import annotations

import html
from pathlib import Path

_STYLE = """body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}th{background:#eee}
.killed{background:#e6f4e6}.survived{background:#fbe3e3}.equivalent{background:#eef}
code{font-size:90%}td.n{text-align:right}"""


def _row(cells, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def write_html(summary: dict, path: Path) -> None:
    e = html.escape
    t = summary["total"]
    out = [f"<!doctype html><meta charset=utf-8><title>Mutation coverage</title><style>{_STYLE}</style>",
           "<h1>Mutation coverage of the testbench</h1>",
           f"<p>{e(summary['yosys'])}, sampling seed {summary['seed']}, {summary['count_per_config']} mutants per "
           f"configuration, {e(summary['date'])}. Kill rate = killed / (generated &minus; equivalent): "
           f"<b>{100 * t['kill_rate']:.1f} %</b> (target {100 * summary['target']:.0f} %).</p>",
           "<table><tr><th>configuration</th><th>generated</th><th>killed</th><th>of which in the screen</th>"
           "<th>survived</th><th>equivalent</th><th>kill rate</th></tr>"]
    for r in summary["configs"] + [{"config": "total", **t}]:
        live = r["generated"] - r["equivalent"]
        rate = f"{100 * r['killed'] / live:.1f} %" if live else "-"
        out.append(_row([e(r["config"])] + [r[k] for k in ("generated", "killed", "killed_screen", "survived",
                                                           "equivalent")] + [rate]))
    out.append("</table>")
    if t.get("from_older_testbench"):
        out.append(f"<p>{t['from_older_testbench']} kills or proofs were kept from an older testbench "
                   "(<code>--survivors-only</code> reran only the survivors).</p>")
    out.append(f"<p>Screen (cocotb test regex): <code>{e(summary['screen'])}</code>; the rest: "
               f"<code>{e(summary['rest'])}</code>; test timeouts scaled by {summary['timeout_scale']}.</p>")
    for title, status in (("Survivors", "survived"), ("Equivalent", "equivalent"), ("Killed", "killed")):
        ms = [m for m in summary["mutants"] if m["status"] == status]
        out.append(f"<h2>{title} ({len(ms)})</h2>")
        if not ms:
            continue
        out.append("<table><tr><th>id</th><th>source</th><th>mutation</th><th>" +
                   ("killed by" if status == "killed" else "note") + "</th><th>reproduce</th></tr>")
        for m in ms:
            why = (f"{e(m['killed_by'])} ({e(m['stage'])})<br><code>{e(m['message'].splitlines()[0] if m['message'] else '')}</code>"
                   if status == "killed" else e(m.get("note", "")))
            out.append(_row([e(m["id"]), f"{e(m['where'])}<br><code>{e(m['source'])}</code>", e(m["describe"]), why,
                             f"<code>{e(m['reproduce'])}</code>"], status))
        out.append("</table>")
    path.write_text("\n".join(out) + "\n")
