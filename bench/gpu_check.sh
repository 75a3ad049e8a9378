#!/usr/bin/env bash
# The GPU check behind the CUDA default batch (docs/models.md, "Batch size and device"), as one script for a
# lent CUDA machine: training throughput per model and batch (bench_training, a fixed amount of work), then
# the validation results of each batch against batch 64 (bench_batch, the protocol dataset's validation
# split only). Nothing else needs a GPU: CI runs on CPUs.
#
#   bash bench/gpu_check.sh SAMPLES.nc [OUT_DIR] [FITS_DIR]
#
# SAMPLES.nc: a Samples dataset with train and validation splits (e.g. the protocol's cses-background).
# Python packages missing on the machine may travel as wheels in .whl/ (installed into /tmp/site first).
# DEVICE (default cuda), N_SAMPLES (100000) and SEEDS (0,1,2) change the run, e.g. for a dry run on a CPU.
set -uo pipefail
data=${1:?usage: bash bench/gpu_check.sh SAMPLES.nc [OUT_DIR]}
out=${2:-gpu-check}
fits=${3:-$out/fits}  # one pickle per fit: a rerun resumes
device=${DEVICE:-cuda} n=${N_SAMPLES:-100000} seeds=${SEEDS:-0,1,2}
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} || exit 1
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no GPU"; } | tee "$out/machine.txt"
python3 -c "import torch, numpy, pandas, xarray, sklearn; print('torch', torch.__version__, 'cuda', torch.version.cuda,
    'numpy', numpy.__version__, 'pandas', pandas.__version__, 'xarray', xarray.__version__, 'sklearn', sklearn.__version__)" \
    | tee -a "$out/machine.txt"
echo "== throughput: $n synthetic sequences, 3 epochs, $device" | tee "$out/throughput.log"
for batch in 64 default 1024; do  # default: the device's batch (core.models.base.BATCH_SIZES)
    size=(--batch-size "$batch")
    [ "$batch" = default ] && size=()
    python3 -m bench.bench_training --samples "$n" --epochs 3 --models seqnetquake,cnn,lstm,bilstm \
        --device "$device" "${size[@]}" 2>&1 | grep -v "^machine" | tee -a "$out/throughput.log"
done
echo "== the same machine's CPU cores, batch 64, one epoch of $((n / 5)) sequences" | tee -a "$out/throughput.log"
python3 -m bench.bench_training --samples $((n / 5)) --epochs 1 --models seqnetquake,cnn,lstm,bilstm \
    --device cpu --threads "$(nproc)" 2>&1 | tee -a "$out/throughput.log"
for rule in none sqrt; do
    echo "== validation results by batch, learning-rate rule $rule" | tee -a "$out/batch.log"
    python3 -m bench.bench_batch "$data" --batches 64,256,1024 --seeds "$seeds" --device "$device" --jobs 4 \
        --lr-rule "$rule" --out "$fits" 2>&1 | grep -v "^  " | tee -a "$out/batch.log"
done
echo "== the model tests on this device (CUDA tests included)" | tee -a "$out/batch.log"
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/core/models 2>&1 | tail -5 | tee -a "$out/batch.log"
