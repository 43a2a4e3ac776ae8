#!/usr/bin/env bash
# The CUDA TensorFlow backend (@tensorflow/tfjs-node-gpu) for `apps/worker --queue train-gpu` hosts, from PyPI's
# tensorflow wheel (CUDA-enabled libtensorflow_cc.so.2) plus the nvidia-*-cu12 wheels its `and-cuda` extra pins;
# idempotent, cached like install-native.sh. Only libcuda.so.1 comes from the host's NVIDIA driver.
#   bash infra/install-gpu.sh [fetch|link|all]
FLAVOR=gpu
NPM_PKG=@tensorflow/tfjs-node-gpu
NPM_VERSION=4.22.0
TF_WHEEL_NAME=tensorflow
TF_WHEEL_VERSION=2.18.1
TF_WHEEL_FILE=tensorflow-2.18.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
TF_WHEEL_SHA256=c9f87e5d2a680a4595f5dc30daf6bbaec9d4129b46d7ef1b2af63c46ac7d2828
# tensorflow 2.18.1's METADATA: Requires-Dist ...; extra == 'and-cuda' (exact pins).
NVIDIA_WHEELS=(
  nvidia-cublas-cu12==12.5.3.2
  nvidia-cuda-cupti-cu12==12.5.82
  nvidia-cuda-nvcc-cu12==12.5.82
  nvidia-cuda-nvrtc-cu12==12.5.82
  nvidia-cuda-runtime-cu12==12.5.82
  nvidia-cudnn-cu12==9.3.0.75
  nvidia-cufft-cu12==11.2.3.61
  nvidia-curand-cu12==10.3.6.82
  nvidia-cusolver-cu12==11.6.3.83
  nvidia-cusparse-cu12==12.5.1.3
  nvidia-nccl-cu12==2.21.5
  nvidia-nvjitlink-cu12==12.5.82
)

# libtensorflow_cc.so.2's RUNPATH names $ORIGIN/../nvidia/<lib>/lib; TensorFlow dlopens the rest by soname,
# which $ORIGIN/ (also in its RUNPATH) resolves once every CUDA library is linked into lib/ as well.
extra_fetch() {
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_27_x86_64 \
    --python-version 3.11 -d wheel/nvidia "${NVIDIA_WHEELS[@]}"
  local w
  for w in wheel/nvidia/*.whl; do unzip -q -o "$w" 'nvidia/*' -d . ; done
  local so
  for so in nvidia/*/lib/*.so*; do ln -sf "../$so" "lib/$(basename "$so")"; done
}

# shellcheck source=native-backend.sh
. "$(dirname "$0")/native-backend.sh"
native_main "$@"
