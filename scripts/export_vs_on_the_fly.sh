#!/usr/bin/env bash
# Issue 5: does a poisoned dataset exported by `baiqa poison` (trigger baked into lossless PNGs) train to
# the same attack metrics as the suite's on-the-fly P-BAIQA victim? Re-creates the suite's poisoned
# training set (same split, subset, α and searched trigger: all seeded by the config's seed), exports
# it, trains the same `cpu` HyperIQA on the folder with crops on the trigger grid (the on-the-fly victim
# injects at the crop origin, spec §3.4), runs the α sweep the same way and prints both rows.
# Usage: scripts/export_vs_on_the_fly.sh SUITE_RUN [OUT]     (SUITE_RUN from configs/livec-mini-cpu.yaml;
#        STEPS=DIR when the suite ran with --steps DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: $0 SUITE_RUN [OUT]}
out=${2:-runs/export-vs-on-the-fly}
bin=${BAIQA:-$(swift build -c release --show-bin-path)/baiqa}
root=${LIVEC_ROOT:-../shared/datasets/livec-mini}
steps=${STEPS:-$suite/steps}
step=$(/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(next(v["step"] for v in r["runs"] if v["label"] == "poison" and v["attack"] == "baiqa"))' "$suite/results.json") \
  || { echo "$suite/results.json: no finished P-BAIQA victim with the baiqa trigger" >&2; exit 1; }
victim=$steps/$step
trigger=$victim/trigger.pt   # the suite's trigger, as that victim used it
mkdir -p "$out"
[ -d "$out/export" ] || "$bin" poison --attack baiqa --label poison --rate 0.2 --delta-y 40 --alpha-sampling weighted \
  --trigger "$trigger" --dataset livec --root "$root" --seed 0 --out "$out/export"
[ -f "$out/victim/model.pt" ] || "$bin" train --model hyperiqa --preset cpu --dataset folder --root "$out/export" \
  --split "$out/export/split.json" --crops-on-trigger-grid --seed 0 --out "$out/victim"
"$bin" evaluate --run "$out/victim" --trigger "$trigger" --trigger-phase crop --json > "$out/evaluate.json"
/usr/bin/python3 - "$victim/results.json" "$out/evaluate.json" <<'PY'
import json, sys
fly, exp = (json.load(open(p)) for p in sys.argv[1:3])
def row(name, benign, attack):
    print(f"{name:28s} SROCC {benign['srocc']:.3f}  PLCC {benign['plcc']:.3f}  mMAE {attack['mmae']:6.2f}  mMRA {attack['mmra']:.3f}")
row("on the fly (suite victim)", fly["benign"], fly["attack"])
row("exported PNG dataset", exp["benign"], exp["attack"])
PY
