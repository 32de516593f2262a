#!/usr/bin/env bash
# tests/check/eda_report_chromium.sh REPORT.html [SCREENSHOT.png]
#
# Opens an EDA report (tide.eda.report / `tide run eda`) in headless Chromium and checks that
# every image in it decoded, then screenshots the page. Prints "images N loaded N" and the
# screenshot's path; exits non-zero when an image failed, the page did not load, or the
# screenshot is missing or blank. Used by tests/lua/eda_spec.lua on Titanic's report.
set -euo pipefail
report=$(realpath "${1:?usage: eda_report_chromium.sh REPORT.html [SCREENSHOT.png]}")
shot=$(realpath -m "${2:-${report%.html}-screenshot.png}")
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "eda_report_chromium: chromium is not installed (apt-get install chromium)" >&2; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a page that frames the report and counts its decoded images once it has loaded
cat >"$work/check.html" <<HTML
<!DOCTYPE html><html><body><iframe id="r" src="file://$report" width="1280" height="900"></iframe>
<script>
document.getElementById("r").onload = function () {
  var imgs = this.contentDocument.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  var p = document.createElement("pre");
  p.textContent = "images " + imgs.length + " loaded " + ok;
  document.body.appendChild(p);
};
</script></body></html>
HTML
# the sanitizer runtimes a test run may preload make chromium hang: run it without them
run_chromium() {
  env -u LD_PRELOAD -u ASAN_OPTIONS -u UBSAN_OPTIONS HOME="$work" timeout 90 "$chromium" --headless \
    --no-sandbox --disable-gpu --disable-dev-shm-usage --allow-file-access-from-files \
    --user-data-dir="$work/profile" --virtual-time-budget=5000 "$@" 2>/dev/null
}
counts=$(run_chromium --dump-dom "file://$work/check.html" | grep -o 'images [0-9]* loaded [0-9]*' || true)
[ -n "$counts" ] || { echo "eda_report_chromium: the report did not load in chromium" >&2; exit 1; }
echo "$counts"
read -r _ total _ loaded <<<"$counts"
[ "$total" -gt 0 ] || { echo "eda_report_chromium: the report has no images" >&2; exit 1; }
[ "$total" = "$loaded" ] || { echo "eda_report_chromium: only $loaded of $total images loaded" >&2; exit 1; }

rm -f "$shot"
run_chromium --window-size=1280,4000 --hide-scrollbars --screenshot="$shot" "file://$report" >/dev/null || true
[ -s "$shot" ] || { echo "eda_report_chromium: no screenshot written" >&2; exit 1; }
echo "screenshot $shot"
