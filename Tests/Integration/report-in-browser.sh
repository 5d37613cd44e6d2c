#!/usr/bin/env bash
# The HTML report in a real browser. A tiny study (two variants × two seeds on the tiny shop)
# runs through the CLI, which writes its report.html; `fusionlab report` writes one for a run
# folder too. Each page must:
#  - hold only well-formed SVG (every <svg> parses as XML) and nothing fetched from the network;
#  - load in headless Chromium without a single console message (the page has no script, so any
#    message is an error), and show every chart with a non-empty box;
# and a screenshot of the study's page is kept. Chromium (Debian's `chromium`) and python3 are
# installed with apt when absent (sudo only when not root).
# Usage: Tests/Integration/report-in-browser.sh   (FUSIONLAB=path/to/fusionlab; KEEP=1 keeps the work folder)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${FUSIONLAB:-$root/.build/release/fusionlab}"
[ -x "$bin" ] || { echo "build first: swift build -c release --product fusionlab" >&2; exit 2; }
work="$(mktemp -d /tmp/fl-report-XXXXXX)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
shots="$root/.build/report-in-browser"
mkdir -p "$shots"
began=$(date +%s)

browser="$(command -v chromium || command -v chromium-browser || true)"
missing=""
[ -n "$browser" ] || missing="chromium"
command -v python3 > /dev/null || missing="$missing python3"   # parses the SVGs as XML
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing$missing (apt)"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing > /dev/null
  browser="$(command -v chromium || command -v chromium-browser)"
fi
# A throwaway profile; no sandbox (containers and root have none to give), no GPU.
chrome() { "$browser" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars --user-data-dir="$work/profile" "$@"; }

"$bin" generate --preset tiny --seed 0 --out "$work/shop" > /dev/null
cat > "$work/study.json" <<JSON
{
  "extends": ["$root/Configs/datasets/synthetic-tiny.json", "$root/Configs/models/fusion-default.json",
              "$root/Configs/training/quick.json", "$root/Configs/models/consistency-heads.json"],
  "name": "browser",
  "description": "Two variants of a two-epoch model on the tiny shop, for the browser test.",
  "data": {"path": "$work/shop", "generate": null},
  "model": {"dimension": 16, "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}}, "fusion": {"heads": 2},
            "consistency": {"epochs": 2}},
  "training": {"epochs": 2},
  "seeds": [0, 1],
  "output": {"directory": "$work/Results"},
  "variants": {"plain": ["model.consistency.heads=null"], "heads": []}
}
JSON
"$bin" run "$work/study.json" --threads 2 > "$work/study.log" 2>&1 || { tail -20 "$work/study.log"; echo "FAIL: the study did not run"; exit 1; }
study="$work/Results/browser"
grep -q "^report: $study/report.html" "$work/study.log" || { tail -5 "$work/study.log"; echo "FAIL: the study did not print its report's path"; exit 1; }
[ -s "$study/provenance.json" ] || { echo "FAIL: the study wrote no provenance.json"; exit 1; }
"$bin" report "$study/runs/heads/seed-1" > /dev/null
echo "study and reports made in $(( $(date +%s) - began ))s"

status=0
for page in "$study/report.html" "$study/runs/heads/seed-1/report.html"; do
  name="${page#"$work"/}"
  # Every SVG is well-formed XML; nothing points at the network.
  python3 - "$page" <<'PY' || status=1
import re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
bad = 0
for k, svg in enumerate(svgs):
    try: ET.fromstring(svg)
    except ET.ParseError as e:
        bad += 1; print(f"  svg {k}: not well-formed XML: {e}")
remote = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html) + re.findall(r"url\(\s*['\"]?(?:https?:)?//", html)
if remote: print(f"  {len(remote)} reference(s) to the network")
print(f"  {len(svgs)} SVGs, {bad} malformed; {len(html) // 1024} KB")
sys.exit(1 if bad or remote or not svgs else 0)
PY
  # In the browser: load the page in a frame of a checking page, which writes what it finds
  # into its own DOM for --dump-dom to show.
  cp "$page" "$work/page.html"
  cat > "$work/check.html" <<'HTML'
<!DOCTYPE html><html><body><iframe id="report" src="page.html" width="1400" height="900"></iframe><pre id="result">not loaded</pre>
<script>
document.getElementById("report").addEventListener("load", () => {
  const doc = document.getElementById("report").contentDocument, out = [];
  if (!doc) { document.getElementById("result").textContent = "FAIL: cannot read the page"; return; }
  const svgs = [...doc.querySelectorAll("svg")].filter(s => !s.closest("details:not([open])"));
  for (const s of svgs) {
    const r = s.getBoundingClientRect(), b = s.getBBox(), t = s.querySelector("title");
    if (!(r.width > 0 && r.height > 0 && b.width > 0 && b.height > 0)) out.push("FAIL: empty chart: " + (t ? t.textContent : "untitled"));
  }
  out.push("charts " + svgs.length + ", sections " + doc.querySelectorAll("section").length);
  document.getElementById("result").textContent = out.join("\n");
});
</script></body></html>
HTML
  chrome --allow-file-access-from-files --enable-logging=stderr --v=0 --virtual-time-budget=10000 --dump-dom "file://$work/check.html" \
    > "$work/dom.html" 2> "$work/console.log" || true
  result="$(python3 -c 'import re,sys,html; m=re.search(r"<pre id=\"result\">(.*?)</pre>", open(sys.argv[1]).read(), re.S); print(html.unescape(m.group(1)) if m else "FAIL: no result")' "$work/dom.html")"
  echo "$result" | sed 's/^/  /'
  console="$(grep ":CONSOLE" "$work/console.log" || true)"
  if [ -n "$console" ]; then echo "  console messages:"; echo "$console" | sed 's/^/    /'; status=1; fi
  if echo "$result" | grep -q "FAIL\|not loaded" || ! echo "$result" | grep -q "^charts [1-9]"; then status=1; fi
  echo "$name: checked"
done

chrome --window-size=1400,4000 --screenshot="$shots/study.png" "file://$study/report.html" > /dev/null 2>&1 || true
chrome --window-size=1400,3000 --screenshot="$shots/run.png" "file://$study/runs/heads/seed-1/report.html" > /dev/null 2>&1 || true
for png in study run; do
  size=$(stat -c %s "$shots/$png.png" 2> /dev/null || echo 0)
  if [ "$size" -lt 20000 ]; then echo "FAIL: screenshot $shots/$png.png missing or blank ($size bytes)"; status=1; else echo "screenshot: $shots/$png.png ($((size / 1024)) KB)"; fi
done
echo "took $(( $(date +%s) - began ))s"
[ $status -eq 0 ] && echo "PASS" || echo "FAIL"
exit $status
