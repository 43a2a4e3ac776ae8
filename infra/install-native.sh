#!/usr/bin/env bash
# The native TensorFlow backend (@tensorflow/tfjs-node) from PyPI's tensorflow-cpu wheel; idempotent.
#   bash infra/install-native.sh [fetch|link|all]   (install.sh runs fetch; pnpm's postinstall runs link)
FLAVOR=cpu
NPM_PKG=@tensorflow/tfjs-node
NPM_VERSION=4.22.0
TF_WHEEL_NAME=tensorflow-cpu
TF_WHEEL_VERSION=2.18.1
TF_WHEEL_FILE=tensorflow_cpu-2.18.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
TF_WHEEL_SHA256=810c75d7149d2da0cb2092187817b0dcabb80728ca9f9cf3a61f3f42fadd1298
# shellcheck source=native-backend.sh
. "$(dirname "$0")/native-backend.sh"
native_main "$@"
