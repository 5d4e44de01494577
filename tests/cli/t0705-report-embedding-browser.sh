# The pictures of the embeddings in headless Chromium, on the batch and
# multi-omics pages: one figure per method (3 and 2), each an image that
# decoded (natural size > 0) and painted (non-white pixels drawn on a canvas:
# the two panels, by batch and by label, with the cells in their colours);
# inside each SVG the cells drawn equal the cells of the dataset, in each
# panel; no script error, console message or policy violation; the charts
# whose axis does not start at 0 show their zigzag and note, on screen.
# Screenshots of the figures are kept as test artefacts.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
  skip "headless browser checks: chromium is not installed"
  done_testing
fi
. "$TESTS_DIR/cli/report_fixture.sh"
integration_run "0"
expect_exit "report of the run" 0 "$SCEVAL" report 1 -o rep

# In the page: each embedding figure, its pixels, the cells in its SVG; the
# cut axes' marks as laid out. Scrolled to the figures for the screenshot.
EXPR=$(cat <<'JS'
(() => {
  const figs = Array.from(document.querySelectorAll('figure.fig')).filter(f => f.textContent.includes('embedding.svg'));
  const out = figs.map(f => {
    const img = f.querySelector('img');
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    let painted = -1;
    try {
      const g = c.getContext('2d'); g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      painted = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) painted++;
    } catch (e) { painted = String(e); }
    const svg = new DOMParser().parseFromString(atob(img.src.split(',')[1]), 'image/svg+xml');
    const paths = Array.from(svg.querySelectorAll('path.cells'));
    const half = img.naturalWidth / 2;
    const cells = [0, 0];
    for (const p of paths) for (const m of p.getAttribute('d').matchAll(/M([0-9.]+) /g)) cells[+m[1] > half ? 1 : 0]++;
    return {w: img.naturalWidth, h: img.naturalHeight, complete: img.complete, painted,
            shown: img.getBoundingClientRect().width, cells,
            caption: (svg.querySelector('text:last-of-type') || {}).textContent || ''};
  });
  const cut = Array.from(document.querySelectorAll('svg.chart[data-axis-from-zero="no"]'));
  const marks = cut.filter(s => { const z = s.querySelector('path.brk'), t = s.querySelector('text.brk');
    return z && t && z.getBoundingClientRect().width > 0 && /axis (starts|ends) at .*, not 0/.test(t.textContent); });
  if (figs.length) figs[0].scrollIntoView();
  return JSON.stringify({figs: out, cut: cut.length, marked: marks.length,
    whole_marked: document.querySelectorAll('svg.chart[data-axis-from-zero="yes"] .brk').length});
})()
JS
)
for page in batch multiomics; do
  mkdir "shots-$page"
  timeout 120 "$PYTHON" "$TESTS_DIR/cli/cdp.py" "$CHROMIUM" "shots-$page" "file://$T/rep/$page.html=$EXPR" \
    > "$page.json" 2> "$page.err"
  expect_eq "chromium loaded the $page page" "$?" "0"
done
"$PYTHON" - batch.json multiomics.json > dom.out <<'PY'
import json, sys
for path, want in zip(sys.argv[1:], (3, 2)):
    page = json.load(open(path))["pages"][0]
    v = json.loads(page["value"])
    figs = v["figs"]
    print(path, "figures", len(figs), "want", want)
    print(path, "decoded", all(f["complete"] and f["w"] > 0 and f["h"] > 0 and f["shown"] > 0 for f in figs))
    # two 300 px panels of 300 cells at 3.2 px: far more than a legend alone
    print(path, "painted", all(isinstance(f["painted"], int) and f["painted"] > 3000 for f in figs),
          [f["painted"] for f in figs])
    print(path, "cells per panel", sorted({tuple(f["cells"]) for f in figs}))
    print(path, "caption", all("all 300 cells" in f["caption"] and "Fruchterman-Reingold" in f["caption"] for f in figs))
    print(path, "errors", len(page["exceptions"]) + len(page["console"]) + len(page["log"]))
    print(path, "axes", v["cut"] > 0 and v["marked"] == v["cut"], v["whole_marked"])
PY
for page in batch multiomics; do
  want=3; [ $page = multiomics ] && want=2
  expect_eq "$page: one embedding figure per method" "$(grep "^$page.json figures" dom.out)" "$page.json figures $want want $want"
  expect_eq "$page: every figure decoded and is on the page" "$(grep "^$page.json decoded" dom.out)" "$page.json decoded True"
  expect_match "$page: every figure painted its cells" "$(grep "^$page.json painted" dom.out)" "^$page.json painted True"
  expect_eq "$page: each panel draws the 300 cells" "$(grep "^$page.json cells" dom.out)" "$page.json cells per panel [(300, 300)]"
  expect_eq "$page: the caption names the layout and the cells" "$(grep "^$page.json caption" dom.out)" "$page.json caption True"
  expect_eq "$page: no script error, console message or policy violation" "$(grep "^$page.json errors" dom.out)" "$page.json errors 0"
  expect_eq "$page: every cut axis shows its zigzag and note, no whole axis does" "$(grep "^$page.json axes" dom.out)" "$page.json axes True 0"
done
grep -q Traceback dom.out && sed 's/^/#   /' dom.out | tail -n 5
for page in batch multiomics; do
  if [ -n "${SCEVAL_ARTEFACTS:-}" ] && [ -s "shots-$page/desktop.png" ]; then
    cp "shots-$page/desktop.png" "$SCEVAL_ARTEFACTS/report-$page-embeddings.png"
    pass "screenshot saved as $SCEVAL_ARTEFACTS/report-$page-embeddings.png"
  fi
done
done_testing
