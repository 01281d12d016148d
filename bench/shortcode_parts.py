"""Where the shortcodes' Hugo time goes: the site of the `shortcodes` figure, and copies of it
that each leave one part out, timed with plain `hugo` in turn.

    .venv/bin/python bench/shortcode_parts.py [--pages 200] [--repeats 7]

Copies (each row: median time, and the median of its pair-by-pair ratio to `static`):
  static           author_wait's static copy: each cell as two fenced blocks (code, output)
  static-plain     the same, with Hugo's code-fence highlighting off (markup.highlight.codeFences)
  shortcodes       the site itself (4 snip-cell and 1 snip-value a page)
  shortcodes-plain snip-cell with its code in a <pre> instead of transform.Highlight
  no-run-box       snip-cell without its "run it yourself" box
  unchecked        a snip-cell written for these pages only (code, printed text, plain values):
                   it looks its cell up, highlights it and prints the same HTML, with no check of
                   its parameters or results and no partial but the run box's cached top
  finished-html    snip-cell printing the HTML the site's build gave it, read from a data file:
                   the same pages with no template work (no check, lookup, label or highlighting)

The copies' own theme files are put in the copy's layouts/, which come before the themes'.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import tempfile
from pathlib import Path

import author_wait as aw   # bench/ is the script's own folder, first on sys.path
from hugosnip import hugo

SNIP_CELL = aw.REPO / "themes/hugosnip/layouts/_shortcodes/snip-cell.html"
HIGHLIGHT = '{{ transform.Highlight . "python" $hl }}'
RUN_BOX = "{{- if $flags.run }}"
CELL_START = '<div class="hugosnip-cell">'
# The least template work that prints these pages' cells: no check, one lookup (see the copies above).
UNCHECKED = """{{- $file := .Get "file" }}{{ $name := .Get "cell" }}
{{- $node := hugo.Data.hugosnip }}
{{- range split (strings.TrimSuffix ".py" $file) "/" }}{{ $node = index $node . }}{{ end }}
{{- $mod := $node }}{{ $cell := index $mod.cells $name }}
<div class="hugosnip-cell">
<div class="hugosnip-code">{{ transform.Highlight $cell.code "python" (dict "lineNos" false "lineNoStart" (int ($cell.code_line | default 1))) }}</div>
{{- $open := false }}
{{- range $cell.outputs }}
{{- if not $open }}
<div class="hugosnip-output">
<div class="hugosnip-label">{{ i18n "hugosnip_output" }}</div>
{{- $open = true }}{{ end }}
{{- if eq .output_type "stream" }}
<pre class="hugosnip-{{ .name }}" tabindex="0"><code>{{ .text }}</code></pre>
{{- else }}
<pre class="hugosnip-repr" tabindex="0"><code>{{ index .data "text/plain" }}</code></pre>
{{- end }}
{{- end }}
{{- if $open }}
</div>
{{- end }}
<div class="hugosnip-caption">{{ i18n "hugosnip_cell_caption" (dict "File" $mod.file "Cell" $name "Line" (int ($cell.line | default 1))) }}</div>
{{- with $mod.archive }}
{{- partialCached "hugosnip/run-box.html" $mod $mod.file $mod.checksum site.Language.Lang }}
{{- with site.GetPage (printf "/hugosnip-source-%s" (md5 $mod.file)) }}
<p><a href="{{ printf "%s#L-%d" .RelPermalink (int $cell.line) }}">{{ i18n "hugosnip_run_source" (dict "File" $mod.file "Line" (string (int $cell.line))) }}</a></p>
{{- end }}
</details>{{ "\\n" }}
{{- end }}
</div>"""


def edited(old: str, new: str) -> str:
    text = SNIP_CELL.read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise SystemExit(f"{SNIP_CELL}: expected {old!r} once; update this script")
    return text.replace(old, new)


def cell_html(page: str) -> list[str]:
    """Each snip-cell's HTML on a built page, in order (its <div>, nested <div>s counted)."""
    found, pos = [], 0
    while (start := page.find(CELL_START, pos)) >= 0:
        depth = 0
        for tag in re.finditer(r"<div\b|</div>", page[start:]):
            depth += 1 if tag.group(0) == "<div" else -1
            if depth == 0:
                pos = start + tag.end()
                break
        found.append(page[start:pos])
    return found


def copy_with(site: Path, dst: Path, files: dict[str, str]) -> Path:
    shutil.copytree(site, dst, symlinks=True, ignore=shutil.ignore_patterns("public", "resources", ".hugosnip"))
    for rel, text in files.items():
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        (dst / rel).write_text(text, encoding="utf-8")
    return dst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    exe = hugo.binary()
    with tempfile.TemporaryDirectory(prefix="hugosnip-parts-") as name:
        tmp = Path(name)
        site = tmp / "shortcodes"
        aw.make_site(site, args.pages)
        aw.run([aw.HUGOSNIP, "build", "--no-hugo"], site)
        aw.run([exe, "--destination", str(tmp / "built")], site)
        finished = {}
        for post in sorted((site / "content/posts").glob("*.md")):
            calls = re.findall(r'snip-cell file="([^"]+)" cell="([^"]+)"', post.read_text(encoding="utf-8"))
            page = next((tmp / "built").rglob(f"{post.stem}/index.html")).read_text(encoding="utf-8")
            shown = cell_html(page)
            if len(shown) != len(calls):
                raise SystemExit(f"{post}: {len(calls)} snip-cell calls, {len(shown)} cells on its page")
            # each cell as snip-cell prints it: a line break, then its <div>
            finished.update({f"{file}#{cell}": "\n" + html for (file, cell), html in zip(calls, shown)})
        aw.static_copy(site, tmp / "static")
        plain = (tmp / "static/config.toml").read_text(encoding="utf-8")
        if "[markup.highlight]\n" not in plain:
            raise SystemExit("the fixture config has no [markup.highlight] table; update this script")
        copies = {
            "static": tmp / "static",
            "static-plain": copy_with(tmp / "static", tmp / "static-plain", {"config.toml": plain.replace(
                "[markup.highlight]\n", "[markup.highlight]\n  codeFences = false\n")}),
            "shortcodes": site,
            "shortcodes-plain": copy_with(site, tmp / "shortcodes-plain", {
                "layouts/_shortcodes/snip-cell.html": edited(HIGHLIGHT, "<pre>{{ . }}</pre>")}),
            "no-run-box": copy_with(site, tmp / "no-run-box", {
                "layouts/_shortcodes/snip-cell.html": edited(RUN_BOX, "{{- if false }}")}),
            "unchecked": copy_with(site, tmp / "unchecked", {"layouts/_shortcodes/snip-cell.html": UNCHECKED}),
            "finished-html": copy_with(site, tmp / "finished-html", {
                "data/finished_cells.json": json.dumps(finished),
                "layouts/_shortcodes/snip-cell.html":
                    '{{- index hugo.Data.finished_cells (printf "%s#%s" (.Get "file") (.Get "cell")) | safeHTML -}}'}),
        }
        times: dict[str, list[float]] = {k: [] for k in copies}
        for i in range(args.repeats + 1):    # the first round is a warm-up, not counted
            for label, root in copies.items():
                took = aw.timed([exe, "--destination", str(tmp / f"out-{label}")], root)
                if i:
                    times[label].append(took)
        pages = sorted(p.relative_to(tmp / "built") for p in (tmp / "built").rglob("index.html"))
        same = {label: all((tmp / f"out-{label}" / p).read_bytes() == (tmp / "built" / p).read_bytes() for p in pages)
                for label in ("unchecked", "finished-html")}
        print(f"{args.pages} pages, {len(finished)} cells, {args.repeats} rounds; the same pages, byte for byte, "
              f"as the shortcodes': " + ", ".join(f"{label} {ok}" for label, ok in same.items()))
        for label, took in times.items():
            ratio = statistics.median(a / b for a, b in zip(took, times["static"]))
            print(f"  {label:<17} {statistics.median(took) * 1000:6.0f} ms  {ratio:.2f}x static")


if __name__ == "__main__":
    main()
